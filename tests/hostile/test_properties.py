"""Property, for any text: the stack-config parser reads values as Pulumi does or refuses them on one located line
(issue 17; review rows 5, 21). Bidder text in the exports is covered case by case in tests/test_hostile_input.py."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hdhport.errors import InputError
from hdhport.yamlsource import parse_text

PROPERTY = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
SCALARS = st.one_of(
    st.sampled_from(["yes", "no", "on", "off", "y", "True", "TRUE", "true", "false", "1:30", "010", "0x10", "0o7",
                     "1_000", "1e3", "1e-300", ".inf", "~", "null", "", "2027-01-01", "-0", "+1", "9" * 30]),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=20))


@PROPERTY
@given(value=SCALARS, quoted=st.booleans(), in_list=st.booleans())
def test_a_stack_value_is_read_as_pulumi_reads_it_or_refused_on_one_line(value: str, quoted: bool,
                                                                         in_list: bool) -> None:
    """Row 5: only true/false (any case Pulumi knows) are booleans, no sexagesimal, no YAML 1.1 octal; a key's
    value is its text; anything else is one located line."""
    from hdhport import stackfile

    written = json.dumps(value) if quoted else value
    text = f"config:\n  hdh:x: [{written}]\n" if in_list else f"config:\n  hdh:x: {written}\n"
    try:
        document = parse_text(text, "Pulumi.p.yaml", pulumi=True)
    except InputError as exc:
        assert all(str(p).startswith("Pulumi.p.yaml:") and "\n" not in str(p) for p in exc.problems)
        return
    config = document.data["config"]
    if in_list and not config["hdh:x"]:  # `[ ]`: an empty list
        return
    read = config["hdh:x"][0] if in_list else stackfile._as_program_reads(document, "hdh:x", config["hdh:x"])
    if isinstance(read, bool):
        assert not quoted or not in_list
        assert document.texts[("config", "hdh:x", 0) if in_list else ("config", "hdh:x")] in (
            "true", "false", "True", "False", "TRUE", "FALSE")
    if value in ("yes", "no", "on", "off", "y", "1:30"):
        assert read == value
    if quoted and in_list:
        assert read == value
