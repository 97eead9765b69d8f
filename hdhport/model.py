"""The specification's data model: catalogue, vocabularies, services, implementations, profiles, offers.

Frozen and strict: a mistyped key, a string where a list belongs or `yes` where a boolean belongs is an
error, never silently accepted. Vocabulary membership and cross-file references are checked by the
loader (hdhport.loader), because the vocabularies are data defined in the catalogue itself.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, PlainValidator, WithJsonSchema, model_validator

ServiceId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$", max_length=64)]
ProfileId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", max_length=64)]
Term = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=64)]
Text = Annotated[str, Field(min_length=1, max_length=4000)]
Requirement = Literal["must", "should", "may"]
ImplementationKind = Literal["native", "self-hosted", "gap"]
OfferKind = Literal["native", "self-hosted", "gap", "unknown"]
TriState = Literal["yes", "no", "unknown"]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
TypeToken = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*:[A-Za-z0-9/_.-]+:[A-Za-z0-9]+$")]
#: The outputs contract: the keys every implementation of every service exports, the same on every API family
#: (providers/contract.py's ServiceOutputs types them; `hdhport check` compares each planned service's with these).
OUTPUT_KEYS = ("service", "implementation", "product", "interface", "endpoint", "region", "key_ref", "private")


class Month(dt.date):
    """A date its source gives only to the month ("July 2024"). It compares and subtracts as the month's first
    day (so a future month is still caught, and an age is never understated), but it is always written
    YYYY-MM: no day is invented in any report."""

    def isoformat(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    __str__ = isoformat


_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


def _source_date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and (month := _MONTH.fullmatch(value)):
        return Month(int(month[1]), int(month[2]), 1)
    if isinstance(value, str) and _DAY.fullmatch(value):  # quoted in YAML, or read back from a JSON report
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    shown = repr(value) if isinstance(value, str) else str(value)
    raise ValueError("expected a date written YYYY-MM-DD, or YYYY-MM when the source gives only the month "
                     f"(got {shown})")


#: A date a source gives: to the day (YYYY-MM-DD), or to the month (YYYY-MM) when that is all it says.
SourceDate = Annotated[
    dt.date, PlainValidator(_source_date), PlainSerializer(lambda d: d.isoformat(), return_type=str, when_used="json"),
    WithJsonSchema({"anyOf": [{"type": "string", "format": "date"},
                              {"type": "string", "pattern": MONTH_PATTERN}]}),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Sourced(Strict):
    """A fact with where it comes from and when that source said so."""

    source: Text = Field(description="URL or document the fact comes from.")
    date: SourceDate = Field(description="Date the source was published (or read, for an undated page): "
                                         "YYYY-MM-DD, or YYYY-MM when the source gives only the month.")


# ---------------------------------------------------------------- catalogue


class InterfaceTerm(Strict):
    meaning: Text
    open: bool = Field(description="true for an open, multi-vendor standard applications may code against.")


class Vocabulary(Strict):
    """The closed lists every other field draws from, each term with its one-line meaning."""

    families: dict[Term, Text]
    interfaces: dict[Term, InterfaceTerm]
    controls: dict[Term, Text]
    openstack_services: dict[Term, Text]
    api_families: dict[Term, Text]


class Implementation(Strict):
    """How one abstract service is realised on one API family."""

    kind: ImplementationKind
    product: Text | None = None
    resources: list[TypeToken] = Field(default_factory=list, description="Pulumi type tokens created.")
    needs: list[Term] = Field(default_factory=list, description="OpenStack services a native implementation requires.")
    fallback: Text | None = Field(None, description="Self-hosted product used when `needs` are not all offered.")
    interfaces: list[Term] | None = Field(None, description="Interfaces offered to applications, if not the service's.")
    reason: Text | None = Field(None, description="Why this is a gap.")
    waiver: Text | None = Field(None, description="Why applications may use a proprietary interface here "
                                                  "(the gate accepts a proprietary-only implementation only with one).")
    notes: Text | None = None

    @model_validator(mode="after")
    def _kind_rules(self) -> Implementation:
        if self.kind == "gap":
            if not self.reason:
                raise ValueError("a gap needs a `reason`")
            if self.resources or self.fallback:
                raise ValueError("a gap creates nothing: drop `resources` and `fallback`")
        else:
            if not self.product:
                raise ValueError(f"a {self.kind} implementation needs a `product`")
            if not self.resources:
                raise ValueError(f"a {self.kind} implementation needs at least one resource type token")
            if self.reason:
                raise ValueError("`reason` is only for gaps")
        if self.kind == "self-hosted" and self.fallback:
            raise ValueError("a self-hosted implementation is already the fallback: drop `fallback`")
        return self


class Implementations(Strict):
    """One implementation per API family the toolkit deploys (hdhport.registry.API_FAMILIES)."""

    azure: Implementation
    openstack: Implementation
    scaleway: Implementation


class Service(Strict):
    """One abstract service the platform needs, independent of any cloud."""

    id: ServiceId
    name: Text
    family: Term
    requirement: Requirement
    description: Text
    interfaces: list[Term] = Field(min_length=1, description="Open interfaces applications code against.")
    data_bearing: bool
    controls: list[Term] = Field(min_length=1)
    implementations: Implementations

    def implementation(self, family: str) -> Implementation:
        return getattr(self.implementations, family)  # type: ignore[no-any-return]


class Catalogue(Strict):
    version: Literal[1]
    vocabulary: Vocabulary
    services: list[Service] = Field(min_length=1)

    def service(self, service_id: str) -> Service:
        for service in self.services:
            if service.id == service_id:
                return service
        raise KeyError(service_id)


# ---------------------------------------------------------------- profiles


class Jurisdiction(Sourced):
    headquarters: CountryCode = Field(description=(
        "ISO 3166 alpha-2 code of the country where the operator of the offer is headquartered; ZZ: not stated."))
    extraterritorial_exposure: TriState = Field(description=(
        "yes when the operator, or a company controlling it, is subject to a non-EU law that can compel access to "
        "customer data (US CLOUD Act, FISA 702...); no when a source says none applies."))
    laws: list[Text] = Field(default_factory=list, description="Extraterritorial laws the operator is exposed to.")


class SecNumCloud(Sourced):
    status: Literal["qualified", "j0", "in-progress", "none", "unknown"] = Field(description=(
        "qualified: ANSSI granted the qualification; j0: ANSSI accepted the application and the evaluation "
        "started; in-progress: announced or prepared, not yet at J0; none: neither."))
    version: Text | None = Field(default=None, description="Version of the SecNumCloud framework, e.g. 3.2.")
    qualified_on: SourceDate | None = Field(default=None, description=(
        "Date of the qualification decision. It lasts three years: an older one counts as unknown (to confirm) "
        "until a source shows it renewed, and `hdhport validate` warns."))
    expected_on: SourceDate | None = Field(default=None, description=(
        "When not yet qualified: the date the operator announced for the qualification (YYYY-MM for a month, "
        "the last month of a half-year). `hdhport validate` warns once it has passed without a newer source."))
    scope: Text | None = Field(default=None, description="The offers and services the qualification covers.")


class Hds(Sourced):
    status: Literal["certified", "none", "unknown"] = Field(description=(
        "HDS certification (hébergeur de données de santé, French public health code L.1111-8)."))
    activities: list[Literal[
        "physical-sites", "hardware-infrastructure", "virtual-infrastructure",
        "application-platform", "administration-operation", "external-backup",
    ]] = Field(default_factory=list, description="The certified activities (1 to 6 of the HDS referential).")
    scope: Text | None = Field(default=None, description="The offers and services the certificate covers.")


class Qualifications(Strict):
    secnumcloud: SecNumCloud = Field(description="ANSSI's SecNumCloud qualification of the offer.")
    hds: Hds = Field(description="The HDS certification of the offer.")


class KeyCustody(Sourced):
    provider_managed: TriState = Field(description="Keys generated and held by the provider's key service.")
    byok: TriState = Field(description="Customer key imported into the provider's KMS/HSM.")
    hyok: TriState = Field(description="Key held in a customer-operated or external HSM.")
    notes: Text | None = Field(default=None, description="Products, algorithms, HSM backing: what the sources say.")


class Region(Sourced):
    id: Term = Field(description="The region's id in this profile, e.g. fr-par.")
    name: Text = Field(description="The region's name as the provider gives it.")
    country: CountryCode = Field(description="ISO 3166 alpha-2 code of the country its data centres are in.")
    city: Text | None = Field(default=None, description="The city, when stated.")
    api_names: list[Text] = Field(default_factory=list, description=(
        "The names the cloud's own API gives this region (OpenStack Keystone region ids such as GRA11); "
        "a stack's provider region must be one of them. Empty when nobody has published them."))


class OpenStackApis(Sourced):
    services: list[Term] = Field(min_length=1, description=(
        "OpenStack services the cloud exposes to tenants (nova, neutron, cinder, swift, barbican, octavia...)."))


class Flavors(Sourced):
    """Default machine sizes and image on this cloud; a stack's config may override them."""

    cpu: Text = Field(description="CPU flavor of the platform's machines.")
    gpu: Text | None = Field(None, description="GPU flavor; null when the cloud has none or it is unknown.")
    image: Text = Field(description="Debian 12 image: OpenStack image name, or Azure URN publisher:offer:sku:version.")


class Offer(Sourced):
    """What a bidder offers for one catalogue service."""

    offer: OfferKind = Field(description=(
        "native: a managed service of the provider; self-hosted: only as software the buyer runs on the provider's "
        "machines; gap: not offered (give `reason`); unknown: not answered."))
    product: Text | None = Field(default=None, description="The product's name; required for native and self-hosted.")
    interfaces: list[Term] = Field(default_factory=list, description=(
        "How applications reach it: terms of the catalogue's interface vocabulary (open ones such as s3, "
        "postgresql, kmip; or proprietary ones, a provider's own API named as the vocabulary lists it)."))
    proprietary_api: TriState = Field("unknown", description=(
        "yes when the service is managed (created, configured) only through the provider's own API, even if "
        "applications use an open interface; no when it is not."))
    controls: list[Term] | None = Field(None, description="Controls supported; absent means unknown.")
    secnumcloud_scope: TriState = Field("unknown", description="Inside the offer's SecNumCloud qualification scope.")
    hds_scope: TriState = Field("unknown", description="Inside the offer's HDS certificate scope.")
    reason: Text | None = Field(default=None, description="Why it is a gap; required for a gap.")
    notes: Text | None = Field(default=None, description="Limits, partial coverage, what the sources do not say.")

    @model_validator(mode="after")
    def _offer_rules(self) -> Offer:
        if self.offer in ("native", "self-hosted") and not self.product:
            raise ValueError(f"a {self.offer} offer needs a `product`")
        if self.offer == "gap" and not self.reason:
            raise ValueError("a gap needs a `reason`")
        return self


class Profile(Strict):
    """One cloud offer (a bidder's answer to the specification)."""

    id: ProfileId = Field(description="The profile's id, as `hdhport diff ID` names it.")
    kind: Literal["bidder", "reference"] = Field(
        "bidder", description="bidder: an offer that competes and is ranked; reference: a template or test "
                              "bench (e.g. openstack-reference), shown beside the bidders but never ranked.")
    name: Text = Field(description="The offer's name.")
    operator: Text = Field(description="The company that operates the offer.")
    api_family: Term = Field(description=(
        "The API the offer is driven through: a family of the catalogue (azure, openstack, scaleway), "
        "another known family (aws-compatible, vmware...), or `other` for an API of its own."))
    description: Text | None = Field(default=None, description="One paragraph on the offer.")
    jurisdiction: Jurisdiction = Field(description="Where the operator is and which laws reach it.")
    qualifications: Qualifications = Field(description="SecNumCloud and HDS.")
    key_custody: KeyCustody = Field(description="Who holds the keys that encrypt the customer's data.")
    regions: list[Region] = Field(min_length=1, description="The regions offered for the platform.")
    openstack: OpenStackApis | None = Field(default=None, description=(
        "For an OpenStack cloud: the services its API exposes (what hdhport can build there)."))
    flavors: Flavors | None = Field(default=None, description="Default machine sizes and image.")
    own_interfaces: dict[Term, Text] = Field(default_factory=dict, description=(
        "Interfaces of the bidder's own that the catalogue's vocabulary does not list (its own API, say), each "
        "with what it is: offers may name them, and they count as proprietary. A term the vocabulary already "
        "has cannot be redefined here."))
    offers: dict[ServiceId, Offer] = Field(description="One answer per catalogue service, by service id.")
