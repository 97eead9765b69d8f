"""`hdhport migrate plan` and the method tables: every carried service gets a method or a stated gap,
in a sound order, with a duration that follows the stated formula; the gap function the procurement
diff counts; plan files; and the command line's outputs and bad inputs.
"""
from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pytest

from hdhport import paths
from hdhport.cli import main
from hdhport.errors import InputError
from hdhport.loader import load_specification
from hdhport.migrate import methods, runbook
from hdhport.migrate.runbook import build, reversibility_gaps, transfer_hours
from hdhport.model import Offer, Profile
from hdhport.registry import API_FAMILIES

SPEC = load_specification(paths.CATALOGUE, paths.shipped_profiles())
CATALOGUE = SPEC.catalogue
AZURE, OVH = SPEC.profiles["azure-francecentral"], SPEC.profiles["ovhcloud-public-cloud"]
CARRIED = {s.id for s in CATALOGUE.services if s.data_bearing} | set(methods.CARRIED)


def with_offers(profile: Profile, new_id: str, **offers: Offer) -> Profile:
    return profile.model_copy(update={"id": new_id, "offers": {**profile.offers, **offers}})


def offer(kind: str, product: str | None = None, interfaces: tuple[str, ...] = (), reason: str | None = None) -> Offer:
    return Offer.model_validate({"offer": kind, "product": product, "interfaces": list(interfaces), "reason": reason,
                                 "source": "test", "date": dt.date(2026, 1, 1)})


# ---------------------------------------------------------------------------------------------- the bar


@pytest.mark.parametrize(("source", "target"), [(AZURE, OVH), (OVH, AZURE)], ids=["azure-to-ovh", "ovh-to-azure"])
def test_every_carried_service_has_a_method_or_a_stated_gap(source: Profile, target: Profile) -> None:
    book = build(CATALOGUE, source, target)
    assert sorted(s.service.id for s in book.steps) == sorted(CARRIED)
    for step in book.steps:
        assert step.status in ("method", "gap"), (step.service.id, step.status, step.reason)
        if step.status == "method":
            assert step.method is not None and step.move and step.verification and step.rollback
        else:
            assert step.reason and step.gap() is not None
    assert [g.service for g in book.gaps] == ["etl_orchestration"]


def test_the_order_puts_keys_first_and_what_stops_at_the_switch_last() -> None:
    order = [s.service.id for s in build(CATALOGUE, AZURE, OVH).steps]
    assert order[:2] == ["key_management", "secrets_store"]
    assert order.index("vm_image_catalogue") < order.index("cpu_vm")
    assert order.index("block_disk") < order.index("cpu_vm")  # data disks are there before machines boot
    assert order.index("relational_database") < order.index("etl_orchestration")
    assert order[-3:] == ["message_queue", "log_analytics", "audit_log"]


def test_each_side_follows_how_hdhport_resolves_the_service() -> None:
    steps = {s.service.id: s for s in build(CATALOGUE, AZURE, OVH).steps}
    database = steps["relational_database"]
    # OVHcloud Public Cloud exposes no Trove, so hdhport builds PostgreSQL on instances: that is the target.
    assert (database.source.kind, database.target.kind, database.target.way) == ("azure-postgresql", "postgresql",
                                                                                  "self-hosted")
    assert database.method is not None and database.method.id == "pg-dump-restore"
    disk = steps["block_disk"]
    assert any("qemu-img convert -f vpc -O qcow2" in line for line in disk.move)
    back = {s.service.id: s for s in build(CATALOGUE, OVH, AZURE).steps}["block_disk"]
    assert any("subformat=fixed,force_size" in line for line in back.move)
    keys = steps["key_management"]
    assert any("BYOK) 'unknown'" in line for line in keys.prechecks)  # OVHcloud's stated custody, not a guess


# ---------------------------------------------------------------------------------------------- the tables


def test_the_tables_cover_every_carried_service_and_every_catalogue_product() -> None:
    phased = {sid for _, _, ids in runbook.PHASES for sid in ids}
    assert CARRIED <= phased and set(methods.CARRIED) <= {s.id for s in CATALOGUE.services}
    assert CARRIED <= methods.KINDS.keys() and CARRIED <= methods.ROUTES.keys()
    used = {r.method for routes in methods.ROUTES.values() for r in routes if r.method}
    assert used == set(methods.METHODS), "a method no route uses, or a route naming no method"
    for service in CATALOGUE.services:
        if service.id not in CARRIED:
            continue
        for family in API_FAMILIES:
            impl = service.implementation(family)
            for product in filter(None, (impl.product, impl.fallback)):
                assert methods.classify(service.id, product, impl.interfaces or service.interfaces), \
                    (service.id, family, product)


def test_every_pair_of_known_kinds_has_a_route() -> None:
    for service_id, kinds in methods.KINDS.items():
        for source in kinds:
            for target in kinds:
                choice = methods.choose(service_id, source.id, target.id)
                assert choice.route is not None, (service_id, source.id, target.id)
                assert choice.method is not None or choice.gap


def test_every_text_fills_in_with_product_names() -> None:
    texts = [t for m in methods.METHODS.values() for part in (m.prechecks, m.move, m.verification, m.cutover,
                                                              m.rollback, m.caveats) for t in part]
    texts += [t for routes in methods.ROUTES.values() for r in routes for t in (*r.prechecks, *r.move, *r.caveats)]
    for text in texts:
        filled = text.format(source="SOURCE {x}", target="TARGET")
        assert "{" not in filled.replace("SOURCE {x}", "") and filled.strip()


def test_the_volume_split_adds_up_and_lands_on_methods_that_move_bulk() -> None:
    assert math.isclose(sum(runbook.VOLUME_SHARES.values()), 1.0)
    steps = {s.service.id: s for s in build(CATALOGUE, AZURE, OVH).steps}
    for service_id in runbook.VOLUME_SHARES:
        step = steps[service_id]
        assert step.method is None or step.method.passes > 0, service_id


# ---------------------------------------------------------------------------------------------- duration


def test_the_duration_follows_the_stated_formula() -> None:
    assert math.isclose(transfer_hours(1, 100, 10), 100 * 8000 / (10 * 0.7 * 3600))
    assert math.isclose(transfer_hours(1, 100, 10), 31.746, rel_tol=1e-4)
    book = build(CATALOGUE, AZURE, OVH, volume_tb=200, bandwidth_gbps=40)
    steps = {s.service.id: s for s in book.steps}
    objects = steps["object_storage"]
    assert math.isclose(objects.volume_tb, 60) and objects.method is not None
    assert math.isclose(objects.hours, transfer_hours(objects.method.passes, 60, 40))
    assert math.isclose(book.totals()["transfer_hours"], sum(s.hours for s in book.steps if s.method), abs_tol=0.01)
    faster = build(CATALOGUE, AZURE, OVH, volume_tb=200, bandwidth_gbps=80)
    assert math.isclose(faster.totals()["transfer_hours"], book.totals()["transfer_hours"] / 2, abs_tol=0.01)
    assert book.assumed == [] and build(CATALOGUE, AZURE, OVH).assumed == ["volume_tb", "bandwidth_gbps"]


# ---------------------------------------------------------------------------------------------- gaps


def test_reversibility_gaps_for_a_bidder_that_does_not_say() -> None:
    # A bidder that has answered nothing yet: every offer of a shipped profile made unknown.
    shipped = SPEC.profiles["numspot"]
    silent = shipped.model_copy(update={"id": "silent", "offers": {
        service: Offer.model_validate({"offer": "unknown", "source": "test", "date": dt.date(2026, 1, 1)})
        for service in shipped.offers}})
    gaps = reversibility_gaps(CATALOGUE, AZURE, silent)
    assert {g.service for g in gaps} == CARRIED  # nothing stated: every carried service is to be told
    assert all(g.status == "unknown" for g in gaps)  # nothing stated is no gap, and no method either


def test_reversibility_gaps_to_scaleway_name_the_one_real_rewrite() -> None:
    found = {g.service: g for g in reversibility_gaps(CATALOGUE, AZURE, SPEC.profiles["scaleway"])}
    assert "object_storage" not in found and "relational_database" not in found  # S3 and PostgreSQL: tools move them
    assert [service for service, gap in found.items() if gap.status == "gap"] == ["etl_orchestration"]
    assert "every pipeline is rewritten" in (found["etl_orchestration"].reason or "")
    assert "key_management" not in found  # Scaleway Key Manager is a key store: keys are re-created, data re-keyed


def test_a_stated_gap_at_the_target_is_a_reversibility_gap() -> None:
    target = with_offers(SPEC.profiles["numspot"], "no-database",
                         relational_database=offer("gap", reason="no managed PostgreSQL in this offer"))
    found = {g.service: g for g in reversibility_gaps(CATALOGUE, AZURE, target)}
    gap = found["relational_database"]
    assert (gap.status, gap.source, gap.target) == ("gap", "Azure Database for PostgreSQL flexible server", None)
    assert gap.reason == "the target has no relational database (postgresql): no managed PostgreSQL in this offer"


def test_an_unrecognised_product_asks_for_its_interfaces_and_a_stated_one_is_enough() -> None:
    vague = with_offers(SPEC.profiles["numspot"], "vague", message_queue=offer("native", "Acme Bus"))
    step = {s.service.id: s for s in build(CATALOGUE, AZURE, vague).steps}["message_queue"]
    assert step.status == "unknown" and "stating the open interfaces it speaks" in step.reason
    stated = with_offers(vague, "stated", message_queue=offer("native", "Acme Bus", ("amqp-1.0",)))
    step = {s.service.id: s for s in build(CATALOGUE, AZURE, stated).steps}["message_queue"]
    assert step.status == "method" and step.method is not None and step.method.id == "drain-and-switch"


def test_a_service_absent_at_the_source_has_nothing_to_move() -> None:
    source = with_offers(SPEC.profiles["numspot"], "small-source", file_share=offer("gap", reason="not offered"))
    step = {s.service.id: s for s in build(CATALOGUE, source, AZURE).steps}["file_share"]
    assert step.status == "nothing-to-move" and step.gap() is None


# ---------------------------------------------------------------------------------------------- plan files


def plan_file(directory: Path, profile: str, stack: str, resolution: str = "native") -> Path:
    data = {"version": 1, "stack": stack, "profile": profile, "summary": {"enclaves": ["project-001", "project-002"]},
            "services": [{"id": "object_storage", "resolution": resolution, "product": "OpenStack Swift",
                          "reason": "native OpenStack Swift"}],
            "resources": [{"type": "hdh:storage:ObjectStorage"}] * 3 + [{"type": "openstack:x/y:Z"}]}
    path = directory / stack / "plan.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_plan_gives_resolutions_and_instance_counts(tmp_path: Path) -> None:
    platform = plan_file(tmp_path, "ovhcloud-public-cloud", "ovhcloud-public-cloud")
    plan_file(tmp_path, "ovhcloud-public-cloud", "ovhcloud-public-cloud-enclaves-01")
    plans = runbook.load_plans(tmp_path)
    assert list(plans) == ["ovhcloud-public-cloud"] and plans["ovhcloud-public-cloud"].file == str(platform)
    book = build(CATALOGUE, AZURE, OVH, plans=plans)
    target = {s.service.id: s for s in book.steps}["object_storage"].target
    assert (target.basis, target.instances, target.kind) == (f"plan {platform}", 3, "swift")
    assert book.plans == {"ovhcloud-public-cloud": str(platform)}


def test_a_broken_plan_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "plan.json").write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match="not an hdhport plan"):
        runbook.load_plans(tmp_path)


# ---------------------------------------------------------------------------------------------- command line


def test_markdown_runbook_both_ways(cli: Any) -> None:
    for source, target in (("azure-francecentral", "ovhcloud-public-cloud"),
                           ("ovhcloud-public-cloud", "azure-francecentral")):
        result = cli("migrate", "plan", "--from", source, "--to", target)
        assert result.code == 0, result.err
        for heading in ("## Summary", "## Assumptions", "## Reversibility gaps", "## Steps", "- Formula: hours ="):
            assert heading in result.out
        assert all(f"`{sid}`" in result.out for sid in CARRIED)
        assert "**etl_orchestration** (gap)" in result.out


def test_json_runbook_and_out_file(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "runbook.json"
    result = cli("migrate", "plan", "--from", "azure-francecentral", "--to", "ovhcloud-public-cloud", "--format",
                 "json", "--volume-tb", "42", "--bandwidth-gbps", "2.5", "--out", str(out))
    assert result.code == 0 and result.out == f"{out}: 25 steps, 24 with a method, 1 gap(s), 0 unknown\n"
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["format"] == "hdhport-migration-runbook/1"
    assert (document["assumptions"]["volume_tb"], document["assumptions"]["bandwidth_gbps"]) == (42, 2.5)
    assert document["assumptions"]["defaults_used"] == []
    assert document["totals"]["gaps"] == len(document["gaps"]) == 1
    assert [s["order"] for s in document["steps"]] == list(range(1, 26))


def test_a_bidder_file_can_be_the_target(cli: Any, tmp_path: Path) -> None:
    text = (paths.PROFILES_DIR / "scaleway.yaml").read_text(encoding="utf-8").replace("id: scaleway", "id: my-bid", 1)
    bid = tmp_path / "offer.yaml"
    bid.write_text(text, encoding="utf-8")
    result = cli("migrate", "plan", "--from", "azure-francecentral", "--to", str(bid), "--format", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["to"]["id"] == "my-bid"


@pytest.mark.parametrize(("args", "message"), [
    (["--to", "nope"], "--to: unknown profile 'nope'; expected a profile file or one of azure-francecentral,"),
    (["--to", "azure-francecentral"], "--to: 'azure-francecentral' is also the source: choose two profiles"),
    (["--to", "ovhcloud-public-cloud", "--plan-dir", "/nonexistent"], "/nonexistent:1:1: --plan-dir: not a directory"),
])
def test_bad_input_exits_2_with_one_line(cli: Any, args: list[str], message: str) -> None:
    result = cli("migrate", "plan", "--from", "azure-francecentral", *args)
    assert result.code == 2 and result.err.startswith(message) and len(result.err.strip().splitlines()) == 1


@pytest.mark.parametrize(("args", "message"), [
    (["--volume-tb", "-3"], "argument --volume-tb: expected a number above 0, got '-3'"),
    (["--bandwidth-gbps", "fast"], "argument --bandwidth-gbps: expected a number, got 'fast'"),
    (["--format", "html"], "argument --format: invalid choice: 'html'"),
])
def test_bad_options_exit_2(capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["migrate", "plan", "--from", "azure-francecentral", "--to", "ovhcloud-public-cloud", *args])
    assert exited.value.code == 2 and message in capsys.readouterr().err


def test_a_plan_dir_without_either_profile_is_bad_input(cli: Any, tmp_path: Path) -> None:
    plan_file(tmp_path, "scaleway", "scaleway")
    result = cli("migrate", "plan", "--from", "azure-francecentral", "--to", "ovhcloud-public-cloud", "--plan-dir",
                 str(tmp_path))
    assert result.code == 2 and "no plan.json for azure-francecentral or ovhcloud-public-cloud here (found: scaleway)" \
        in result.err


# ---------------------------------------------------------------------------------------------- one-off egress cost


def _book_with_egress(tmp_path: Path, offer_id: str, price: str) -> Any:
    from hdhport.cost.book import book_from
    from hdhport.yamlsource import load_document

    path = tmp_path / f"{offer_id}.yaml"
    path.write_text(f"offer: {offer_id}\ncurrency: EUR\nvat: excluded\nregion: r\nprices:\n"
                    f"  - {{id: egress/internet, price: {price}, unit: gb, source: 'https://example.test/prices', "
                    "read: 2026-11}\n", encoding="utf-8")
    return book_from(load_document(path))


def test_the_egress_of_the_move_is_volume_times_passes_times_the_sources_price(
        cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hdhport.cost import book as books
    from hdhport.migrate.egress import egress_cost, sent_gb

    move = build(CATALOGUE, AZURE, OVH, volume_tb=10)
    expected_gb = sum(s.volume_tb * s.method.passes for s in move.steps if s.method) * 1000
    assert sent_gb(move) == pytest.approx(expected_gb) and expected_gb > 10_000  # objects cross twice
    monkeypatch.setattr(books, "load_book", lambda offer_id: _book_with_egress(tmp_path, offer_id, "0.02"))
    priced = egress_cost(move)
    assert priced.eur == pytest.approx(expected_gb * 0.02) and priced.source == "https://example.test/prices"
    result = cli("migrate", "plan", "--from", "azure-francecentral", "--to", "ovhcloud-public-cloud", "--format",
                 "json", "--volume-tb", "10")
    egress = json.loads(result.out)["one_off_cost"]["egress"]
    assert (egress["status"], egress["eur"], egress["unit_price_eur_per_gb"], egress["read"]) == (
        "priced", round(expected_gb * 0.02, 2), 0.02, "2026-11")
    markdown = cli("migrate", "plan", "--from", "azure-francecentral", "--to", "ovhcloud-public-cloud",
                   "--volume-tb", "10").out
    assert f"- Egress from `azure-francecentral`: {expected_gb * 0.02:,.2f} EUR excl. VAT" in markdown
    assert "Price source: https://example.test/prices (read 2026-11)" in markdown


@pytest.mark.parametrize("case", ["unknown price", "no price book"])
def test_an_unpriced_egress_is_unknown_never_0(case: str, cli: Any, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from hdhport.cost import book as books

    monkeypatch.setattr(books, "load_book", lambda offer_id: (
        _book_with_egress(tmp_path, offer_id, "unknown") if case == "unknown price" else None))
    document = json.loads(cli("migrate", "plan", "--from", "scaleway", "--to", "ovhcloud-public-cloud",
                              "--format", "json").out)
    egress = document["one_off_cost"]["egress"]
    assert (egress["status"], egress["eur"], egress["unit_price_eur_per_gb"]) == ("unknown", None, None)
    assert egress["volume_gb"] > 0
    why = "egress/internet is unknown in" if case == "unknown price" else "no price book"
    assert why in egress["source"]
    markdown = cli("migrate", "plan", "--from", "scaleway", "--to", "ovhcloud-public-cloud").out
    assert "- Egress from `scaleway`: unknown (" in markdown and why in markdown


# ---------------------------------------------------------------------------------------------- measured duration


def bench_result(directory: Path, **changes: Any) -> Path:
    """A bench objects result (bench/objects.py's shape) with small known costs, `changes` applied by dotted path."""
    costs = {"raw": {"per_object_ms": 1.0, "per_mib_ms": 1.0}, "manifest": {"per_object_ms": 2.0, "per_mib_ms": 3.0},
             "copy": {"per_object_ms": 4.0, "per_mib_ms": 5.0}, "verify": {"per_object_ms": 1.0, "per_mib_ms": 0.5},
             "other": {"per_object_ms": 0.1, "per_mib_ms": 0.1}}
    datasets = {"small": {"verified": {"phases": {"other": 3.0}}}, "large": {"verified": {"phases": {"other": 9.0}}}}
    data: dict[str, Any] = {"date": "2026-12-01T10:20:30Z",
                            "machine": {"python": "3.11.7", "cpus": 2, "rclone": "rclone v1"},
                            "pairs": {"local": {"costs": json.loads(json.dumps(costs)), "datasets": datasets},
                                      "remote-pair": {"costs": costs, "datasets": datasets}}}
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = data
        for key in parents:
            node = node[key]
        if value is None:
            del node[last]
        else:
            node[last] = value
    path = directory / "objects-results.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_measured_costs_time_the_verified_object_moves(tmp_path: Path) -> None:
    file = bench_result(tmp_path, pairs__local__costs__copy={"per_object_ms": 0.0, "per_mib_ms": 0.0})
    measured = runbook.load_measured(file, object_mib=2)
    assert (measured.pair, measured.date, measured.fixed) == ("remote-pair", "2026-12-01T10:20Z", 9.0)
    book = build(CATALOGUE, AZURE, OVH, volume_tb=10, bandwidth_gbps=10, measured=measured)
    plain = {s.service.id: s for s in build(CATALOGUE, AZURE, OVH, volume_tb=10, bandwidth_gbps=10).steps}
    steps = {s.service.id: s for s in book.steps}
    objects = steps["object_storage"]  # 30% of 10 TB = 3 TB in 2 MiB objects
    volume = 3e12
    count = volume / (2 * 2**20)
    mib = volume / 2**20
    link = volume * 8 / (10e9 * 0.7)
    manifest, copy, verify = (count * 2e-3 + mib * 3e-3), (count * 4e-3 + mib * 5e-3), (count * 1e-3 + mib * 0.5e-3)
    assert manifest > link and copy > link  # the measured costs, not the link, bound both passes here
    assert objects.hours == pytest.approx((max(link, manifest) + max(link, copy) + verify + 9.0) / 3600)
    assert objects.link_hours == pytest.approx(plain["object_storage"].hours)
    assert objects.basis == f"measured ({file}, remote-pair, 2026-12-01T10:20Z)"
    for service_id, step in steps.items():  # every other step keeps the pass formula
        if step.method is not None and step.method.id not in runbook.MEASURED_METHODS:
            assert step.hours == plain[service_id].hours and step.basis == "link passes", service_id
    # a link slower than the processing: the passes over the link bound the manifest and the copy
    slow = build(CATALOGUE, AZURE, OVH, volume_tb=10, bandwidth_gbps=0.001, measured=measured)
    step = {s.service.id: s for s in slow.steps}["object_storage"]
    assert step.hours == pytest.approx(step.link_hours + (verify + 9.0) / 3600)
    local = runbook.load_measured(file, "local", 2)  # the pair chosen: its own costs
    assert local.costs["copy"] == (0.0, 0.0) and local.basis == f"measured ({file}, local, 2026-12-01T10:20Z)"


def test_the_measured_arithmetic_is_the_benchmarks_projection() -> None:
    from bench.objects import project

    costs = {"raw": (1e-3, 1e-9), "manifest": (2e-3, 3e-9), "copy": (4e-3, 0.0), "verify": (1e-4, 1e-10)}
    projected = project(costs, 100, 10, 4, fixed=5.0)
    hours = sum(runbook.verified_move_seconds(costs, 100, 10, 4, 5.0).values()) / 3600
    assert projected["verified_hours"] == round(hours, 2)


def test_the_measured_runbook_states_its_basis(cli: Any, tmp_path: Path) -> None:
    file = bench_result(tmp_path)
    args = ["migrate", "plan", "--from", "azure-francecentral", "--to", "ovhcloud-public-cloud", "--volume-tb", "10",
            "--bandwidth-gbps", "1", "--measured", str(file), "--measured-pair", "local", "--object-mib", "2"]
    document = json.loads(cli(*args, "--format", "json").out)
    plain = json.loads(cli(*args[:10], "--format", "json").out)
    assert "measured" not in plain["assumptions"] and all("hours_basis" not in s for s in plain["steps"])
    measured = document["assumptions"]["measured"]
    assert (measured["file"], measured["pair"], measured["date"], measured["object_mib"]) == (
        str(file), "local", "2026-12-01T10:20Z", 2.0)
    steps = {s["service"]: s for s in document["steps"]}
    assert steps["object_storage"]["hours_basis"] == f"measured ({file}, local, 2026-12-01T10:20Z)"
    assert steps["object_storage"]["transfer_hours"] > {s["service"]: s for s in plain["steps"]}[
        "object_storage"]["transfer_hours"]
    assert steps["relational_database"]["hours_basis"] == "link passes"
    assert steps["relational_database"]["transfer_hours"] == {s["service"]: s for s in plain["steps"]}[
        "relational_database"]["transfer_hours"]
    markdown = cli(*args).out
    assert f"- Measured: the steps moved by `hdhport migrate objects` between object stores (rclone-objects, " \
           f"trail-archive) take their hours from `{file}`, pair local, run 2026-12-01T10:20Z on 2 CPU(s), " \
           "Python 3.11.7, rclone v1, at a mean object size of 2 MiB" in markdown
    assert "as measured (local, 2026-12-01T10:20Z; 2 pass(es) over the link alone:" in markdown


@pytest.mark.parametrize(("changes", "extra", "message"), [
    ({}, ["--measured-pair", "nope"], ":1:1: pairs: not a bench objects result: no pair 'nope' (found: local, "
                                      "remote-pair)"),
    ({"pairs__remote-pair__costs__copy__per_mib_ms": None}, [],
     ":1:1: pairs.remote-pair.costs.copy.per_mib_ms: not a bench objects result: missing"),
    ({"pairs__remote-pair__costs__verify": None}, [],
     ":1:1: pairs.remote-pair.costs.verify: not a bench objects result: missing"),
    ({"pairs__remote-pair__costs__manifest__per_object_ms": "fast"}, [],
     ":1:1: pairs.remote-pair.costs.manifest.per_object_ms: not a bench objects result: expected a number, got a "
     "string"),
    ({"pairs__local__datasets": {}}, ["--measured-pair", "local"],
     ":1:1: pairs.local.datasets: not a bench objects result: expected an object naming at least one dataset"),
    ({"pairs": None}, [], ":1:1: pairs: not a bench objects result: missing"),
    # An integer too large for a float (math.isfinite raises OverflowError on it).
    ({"pairs__remote-pair__costs__copy__per_mib_ms": 10 ** 400}, [],
     ":1:1: pairs.remote-pair.costs.copy.per_mib_ms: not a bench objects result: expected a finite number at least "
     "0, got 10000000000000000000"),
    ({}, ["--object-mib", "0"], "--object-mib: expected a mean object size from 1e-06 to 1e+06 MiB, got 0"),
    ({}, ["--object-mib", "-4"], "--object-mib: expected a mean object size from 1e-06 to 1e+06 MiB, got -4"),
])
def test_a_bad_measured_file_exits_2_with_one_line(cli: Any, tmp_path: Path, changes: dict[str, Any],
                                                    extra: list[str], message: str) -> None:
    file = bench_result(tmp_path, **changes)
    out = tmp_path / "runbook.md"
    result = cli("migrate", "plan", "--from", "azure-francecentral", "--to", "ovhcloud-public-cloud", "--measured",
                 str(file), *extra, "--out", str(out))
    expected = message if message.startswith("--") else f"{file}{message}"
    assert result.code == 2 and result.err.strip() == expected and not out.exists()


@pytest.mark.parametrize(("content", "message"), [
    (None, "cannot read the bench objects result: No such file or directory"),
    ("{", "not a bench objects result: invalid JSON: Expecting property name enclosed in double quotes"),
    ("[]", "not a bench objects result: expected an object, got a list"),
    # More digits than Python converts to an integer: json.loads raises a plain ValueError.
    ("{\"pairs\": " + "9" * 5000 + "}", "not a bench objects result: invalid JSON: Exceeds the limit"),
    ("dir", "cannot read the bench objects result: it is a directory"),
])
def test_an_unreadable_measured_file_exits_2_with_one_line(cli: Any, tmp_path: Path, content: str | None,
                                                            message: str) -> None:
    file = tmp_path / "results.json"
    if content == "dir":
        file.mkdir()
    elif content is not None:
        file.write_text(content, encoding="utf-8")
    result = cli("migrate", "plan", "--from", "azure-francecentral", "--to", "ovhcloud-public-cloud", "--measured",
                 str(file))
    assert result.code == 2 and result.out == "" and len(result.err.strip().splitlines()) == 1
    assert str(file) in result.err and message in result.err


@pytest.mark.parametrize("option", [["--measured-pair", "local"], ["--object-mib", "8"]])
def test_measured_options_need_the_measured_file(cli: Any, option: list[str]) -> None:
    result = cli("migrate", "plan", "--from", "azure-francecentral", "--to", "ovhcloud-public-cloud", *option)
    assert result.code == 2 and result.err.strip() == f"{option[0]}: needs --measured FILE (a bench objects result)"


def test_the_measured_file_is_never_the_output(cli: Any, tmp_path: Path) -> None:
    file = bench_result(tmp_path)
    before = file.read_bytes()
    result = cli("migrate", "plan", "--from", "azure-francecentral", "--to", "ovhcloud-public-cloud", "--measured",
                 str(file), "--out", str(file))
    assert result.code == 2 and "is an input of this command" in result.err and file.read_bytes() == before


# -------------------------------------------------------------------------------------- rclone remotes (issue 14)

SCALEWAY = SPEC.profiles["scaleway"]
OBJECT_STEPS = ("object_storage", "data_lake", "archive_storage")


def test_object_store_steps_state_both_rclone_remotes_from_the_profiles(cli: Any) -> None:
    from hdhport.migrate.remotes import NoRemote, Remote

    steps = {s.service.id: s for s in build(CATALOGUE, AZURE, SCALEWAY).steps}
    for service_id in OBJECT_STEPS:
        remotes = steps[service_id].remotes
        assert remotes is not None, service_id
        source, target = remotes
        assert isinstance(source, Remote) and isinstance(target, Remote)
        assert source.stanza == "[azure_francecentral]\ntype = azureblob\naccount = STORAGE_ACCOUNT\n"
        # Scaleway's own rclone guide: provider Scaleway, the region, the endpoint s3.<region>.scw.cloud.
        assert target.stanza == ("[scaleway]\ntype = s3\nprovider = Scaleway\nregion = fr-par\n"
                                 "endpoint = s3.fr-par.scw.cloud\n")
        assert "installing-rclone.mdx (validation 2025-03-24)" in target.source
        # Secrets never in the file nor on the command line: rclone's variables, or a managed identity.
        assert "RCLONE_CONFIG_SCALEWAY_ACCESS_KEY_ID" in target.credentials
        assert "RCLONE_CONFIG_AZURE_FRANCECENTRAL_KEY" in source.credentials and "use_msi" in source.credentials
        assert not any(isinstance(side, NoRemote) for side in remotes)
    # Only the steps `hdhport migrate objects` moves between object stores.
    assert {s for s, step in steps.items() if step.remotes is not None} == set(OBJECT_STEPS)

    document = json.loads(cli("migrate", "plan", "--from", "azure-francecentral", "--to", "scaleway", "--format",
                              "json").out)
    found = {s["service"]: s["rclone_remotes"] for s in document["steps"]}
    assert found["object_storage"]["target"]["stanza"] == steps["object_storage"].remotes[1].stanza  # type: ignore
    assert found["relational_database"] is None
    markdown = cli("migrate", "plan", "--from", "azure-francecentral", "--to", "scaleway").out
    assert ("  ```ini\n  [azure_francecentral]\n  type = azureblob\n  account = STORAGE_ACCOUNT\n\n  [scaleway]\n"
            "  type = s3\n  provider = Scaleway\n  region = fr-par\n  endpoint = s3.fr-par.scw.cloud\n"
            "  ```\n") in markdown


def test_an_openstack_side_is_a_swift_remote_with_its_rc_file() -> None:
    from hdhport.migrate.remotes import Remote

    step = {s.service.id: s for s in build(CATALOGUE, AZURE, OVH).steps}["object_storage"]
    assert step.remotes is not None and isinstance(step.remotes[1], Remote)
    target = step.remotes[1]
    assert target.stanza == "[ovhcloud_public_cloud]\ntype = swift\nenv_auth = true\n"
    assert "OS_REGION_NAME (one of GRA5, GRA7, GRA9, GRA11, SBG5" in target.credentials


def test_a_remote_no_source_states_is_unknown_never_invented() -> None:
    from hdhport.migrate.remotes import NoRemote

    other_s3 = SCALEWAY.model_copy(update={"id": "other-s3", "api_family": "aws-compatible"})
    side = {s.service.id: s for s in build(CATALOGUE, AZURE, other_s3).steps}["object_storage"].remotes
    assert side is not None and isinstance(side[1], NoRemote) and "API family aws-compatible" in side[1].reason
    assert side[1].to_json() == {"status": "unknown", "reason": side[1].reason}
    unnamed = SCALEWAY.model_copy(update={"id": "no-region-names", "regions": [
        r.model_copy(update={"api_names": []}) for r in SCALEWAY.regions]})
    side = {s.service.id: s for s in build(CATALOGUE, AZURE, unnamed).steps}["object_storage"].remotes
    assert side is not None and isinstance(side[1], NoRemote) and "region" in side[1].reason


# ---------------------------------------------------------------------------------------- egress bound (issue 14)


def test_azure_egress_bounds_the_move_with_its_sourced_ceiling(cli: Any) -> None:
    from hdhport.migrate.egress import egress_bound, sent_gb

    move = build(CATALOGUE, AZURE, SCALEWAY, volume_tb=100, bandwidth_gbps=10)
    bound = egress_bound(move)
    assert bound.ceiling is not None and bound.ceiling.gbps == 200 and bound.region == "francecentral"
    assert "scalability-targets-standard-account" in bound.ceiling.source and bound.ceiling.date == "2025-11-19"
    objects = sum(s.volume_tb for s in move.steps if s.method and s.method.id in runbook.MEASURED_METHODS)
    # The verified move reads every byte at Azure twice (manifest, copy): the egress is twice the volume.
    assert bound.objects_passes == 2 and math.isclose(bound.objects_egress_tb, 2 * objects)
    assert math.isclose(bound.egress_tb, sent_gb(move) / 1000)
    # 10 Gbit/s is below 200: the link bounds it, and the hours are the runbook's own.
    assert (bound.bound, bound.bound_gbps) == ("link", 10)
    assert math.isclose(bound.hours, bound.egress_tb * 8000 / (10 * 0.7 * 3600))
    assert round(bound.hours, 2) == move.totals()["transfer_hours"]
    # Above the ceiling, one storage account is what bounds it.
    fast = egress_bound(build(CATALOGUE, AZURE, SCALEWAY, volume_tb=100, bandwidth_gbps=400))
    assert (fast.bound, fast.bound_gbps, fast.accounts_for_the_link) == ("storage account egress ceiling", 200, 2)
    assert math.isclose(fast.hours, fast.egress_tb * 8000 / (200 * 0.7 * 3600))

    document = json.loads(cli("migrate", "plan", "--from", "azure-francecentral", "--to", "scaleway", "--format",
                              "json", "--volume-tb", "100", "--bandwidth-gbps", "10").out)
    stated = document["egress_bound"]
    assert stated["account_egress_ceiling"]["status"] == "stated" and stated["account_egress_ceiling"]["gbps"] == 200
    assert stated["account_egress_ceiling"]["date"] == "2025-11-19"
    assert stated["objects"]["egress_tb"] == round(2 * objects, 3) and stated["hours"] == round(bound.hours, 2)
    markdown = cli("migrate", "plan", "--from", "azure-francecentral", "--to", "scaleway", "--volume-tb", "100",
                   "--bandwidth-gbps", "10").out
    assert "## What bounds the move: egress out of `azure-francecentral`" in markdown
    assert (f"leaves azure-francecentral at most twice (read once for the manifest, once for the copy; an object "
            f"of 32 MiB or more, on a first run from a remote source, is sent on as the manifest reads it, so once): "
            f"its {objects:g} TB are at most {2 * objects:g} TB of egress") in markdown
    assert "200 Gbit/s per storage account" in markdown and "Here that is the link: 10 Gbit/s, 7 sustained" in markdown


def test_an_unpublished_egress_ceiling_is_unknown(cli: Any) -> None:
    document = json.loads(cli("migrate", "plan", "--from", "scaleway", "--to", "ovhcloud-public-cloud", "--format",
                              "json").out)
    stated = document["egress_bound"]
    assert stated["account_egress_ceiling"] == {
        "status": "unknown", "gbps": None,
        "reason": "no published per-account egress ceiling is recorded for API family scaleway"}
    assert (stated["bound"], stated["bound_gbps"], stated["accounts_for_the_link"]) == ("link", 10.0, None)
