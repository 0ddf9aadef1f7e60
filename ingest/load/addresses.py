"""Which text is an IP address, as one regular expression the loader's DuckDB runs per row.

DuckDB's `inet` extension would do this, but it is an extension to download; RE2 (DuckDB's
regex engine) matches this alternation in linear time, ~0.13 µs a value. Accepted, trimmed
and in any case, exactly the spellings the dbt macro `ip_canonical` reads:

- IPv4 dotted quad, each number 0-255 without a leading zero (`010.1.1.1` is octal to some
  readers and decimal to others), optionally with a `:port`;
- IPv6 in any RFC 4291 spelling (full, `::`-compressed, zero-padded, an embedded dotted
  IPv4 tail such as `::ffff:203.0.113.7`), optionally with a `%zone` id, optionally in
  brackets with a `:port`.

Everything else (`999.1.1.1`, `1.2.3`, `hello`, `::g`, two `::`, five hex digits in a
group, nine groups) is no address: its row is quarantined with the reason.
"""

from __future__ import annotations

_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPV4 = rf"{_OCTET}(\.{_OCTET}){{3}}"
_H = r"[0-9a-f]{1,4}"


def _ipv6() -> str:
    """Every RFC 4291 text form: 8 groups, or `::` standing for at least one zero group
    between n head and m tail groups (n + m <= 7); with a dotted IPv4 tail as the last two
    groups, 6 groups, or n + m <= 5."""
    forms = [rf"({_H}:){{7}}{_H}", rf"({_H}:){{6}}{IPV4}"]
    for head in range(8):
        lead = rf"{_H}(:{_H}){{{head - 1}}}" if head else ""
        tail = 7 - head  # at most this many groups after the '::'
        forms.append(rf"{lead}::" + (rf"({_H}(:{_H}){{0,{tail - 1}}})?" if tail > 0 else ""))
        if head <= 5:
            forms.append(rf"{lead}::({_H}:){{0,{5 - head}}}{IPV4}")
    return "(" + "|".join(f"({form})" for form in forms) + ")"


IPV6 = _ipv6()
IP_PATTERN = (rf"^(({IPV4})(:[0-9]{{1,5}})?|{IPV6}(%[0-9a-z_.~-]+)?"
              rf"|\[{IPV6}(%[0-9a-z_.~-]+)?\](:[0-9]{{1,5}})?)$")


def ip_check_sql(value: str, column: str) -> str:
    """A CASE giving the quarantine reason when the SQL text `value` (trimmed, not null) is
    no IP address, else null. The match ignores case (cheaper than lower-casing every
    value); the hints are computed for bad values only."""
    v = f"lower({value})"
    return (
        f"case when not regexp_matches({value}, '{IP_PATTERN}', 'i') then "
        f"'field {column}: ''' || left({value}, 60) || ''' is not an IPv4 or IPv6 address'"
        f" || case"
        f" when length({v}) - length(replace({v}, '::', '')) > 2 then ' (two ''::'')'"
        f" when regexp_matches({v}, '^[0-9]+(\\.[0-9]+){{3}}(:[0-9]+)?$')"
        f" then ' (a number over 255, or with a leading zero)'"
        f" when regexp_matches({v}, '^[0-9.]+$') then ' (not four numbers)'"
        f" when regexp_matches({v}, '[0-9a-f]{{5}}') then ' (more than 4 hex digits in a group)'"
        f" when regexp_matches({v}, ':') and regexp_matches({v}, '[^0-9a-f:.%\\[\\]]')"
        f" then ' (not hexadecimal)'"
        f" else '' end end"
    )
