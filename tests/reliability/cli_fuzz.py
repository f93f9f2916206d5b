"""The parts of the command-line fuzzer (issue #18, item 5; tests/reliability/test_fuzz_cli.py).

- The command tree is click's own: every command under the root group, each group
  loaded as `ledger` loads it, so a new command is fuzzed without editing this file.
- Values for each parameter are drawn by its shape (its metavar, else its name):
  valid-looking ones taken from a seeded ledger (`Known`), any known value of any
  shape (a staff id where a date is asked), and hostile ones (blank, huge, control
  characters, NUL, lone surrogates, overflowing numbers, malformed and far dates,
  unknown ids). A parameter of an unknown shape still gets all of these.
- The invocation around them is hostile too: a required value left out, an option
  repeated, an unknown option or argument, --help, another acting staff member or
  none, a database that is missing, a directory or a bad URL.
- What a case must never do is checked by `check_outcome`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import click
from click.testing import CliRunner, Result
from hypothesis import strategies as st

from cli import ledger
from ledger import vocabulary

Strategy = st.SearchStrategy[str]

# --- the command tree -----------------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    """A command that runs (not a group), with the words that reach it."""

    path: tuple[str, ...]
    command: click.Command

    @property
    def name(self) -> str:
        return " ".join(self.path)


def command_tree() -> list[Leaf]:
    """Every runnable command, found by asking the root group as click would."""
    return sorted(_leaves(ledger, ()), key=lambda leaf: leaf.path)


def _leaves(command: click.Command, path: tuple[str, ...]) -> Iterator[Leaf]:
    if not isinstance(command, click.Group):
        yield Leaf(path, command)
        return
    context = click.Context(command)
    for name in command.list_commands(context):
        sub = command.get_command(context, name)
        assert sub is not None, f"{' '.join((*path, name))} is listed but cannot be loaded"
        yield from _leaves(sub, (*path, name))


# --- what the seeded ledger holds -----------------------------------------------------

# Case and thing prefixes inside a customer (ledger/domain/customer.py KIND_BY_PREFIX).
REF_PATTERN = re.compile(r"^([A-Z]+)\d+$")


@dataclass(frozen=True)
class Known:
    """Values a user of the seeded ledger would type: taken from the ledger itself."""

    today: date
    codes: tuple[str, ...]
    names: tuple[str, ...]
    refs: tuple[str, ...]  # C-00001/CP1, C-00001/P2, ...
    staff: tuple[str, ...]
    segments: tuple[str, ...]
    events: tuple[str, ...]
    fields: tuple[str, ...]  # field names of the recorded events (for `correct --set`)
    projections: tuple[str, ...]
    digest: str
    words: tuple[str, ...] = field(default=())  # every closed vocabulary's values

    def refs_with(self, prefix: str) -> tuple[str, ...]:
        found = tuple(r for r in self.refs if _prefix(r.split("/")[1]) == prefix)
        return found or self.refs

    def local_ids(self, prefix: str) -> tuple[str, ...]:
        return tuple(sorted({r.split("/")[1] for r in self.refs_with(prefix)}))


def _prefix(local_id: str) -> str:
    match = REF_PATTERN.match(local_id)
    return match.group(1) if match else ""


def vocabulary_words() -> tuple[str, ...]:
    """The values of every closed vocabulary in ledger/vocabulary.py."""
    words: set[str] = set()
    for value in vars(vocabulary).values():
        if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum:
            words.update(member.value for member in value)
    words.update(str(level) for level in vocabulary.ESCALATION_LEVELS)
    return tuple(sorted(words))


def harvest(db: str, actor: str, today: date) -> Known:
    """Read what the ledger at `db` holds through the command line itself."""
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(ledger, ["--db", db, "--as", actor, *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    codes: set[str] = set()
    names: set[str] = set()
    refs: set[str] = set()
    events: set[str] = set()
    fields: set[str] = set()
    segments: set[str] = set()
    for line in run("export").splitlines():
        row = json.loads(line)
        code, data = row["customer_code"], row["data"]
        codes.add(code)
        events.add(row["event"])
        fields.update(data)
        if row["event"] == "CustomerRegistered":
            names.add(data["name"])
        if isinstance(data.get("segment"), str):
            segments.add(data["segment"])
        for key in ("case_id", "person_id", "branch_id", "problem_id"):
            if isinstance(data.get(key), str):
                refs.add(f"{code}/{data[key]}")
    staff = json.loads(run("staff", "list", "--all", "--format", "json"))
    segments.update(s["segment"] for s in staff if s.get("segment"))
    views = json.loads(run("projections", "status", "--format", "json"))
    return Known(
        today=today,
        codes=tuple(sorted(codes)),
        names=tuple(sorted(names)),
        refs=tuple(sorted(refs)),
        staff=tuple(sorted(s["staff_id"] for s in staff)),
        segments=tuple(sorted(segments)),
        events=tuple(sorted(events)),
        fields=tuple(sorted(fields)),
        projections=tuple(sorted(v["projection"] for v in views)),
        digest=run("audit", "digest").strip(),
        words=vocabulary_words(),
    )


# --- values ---------------------------------------------------------------------------

# Shapes a parameter's value can have, from its metavar (what --help shows), else
# its name. A parameter of none of these shapes is "text".
STAFF_NAMES = {"owner", "visitor", "counterpart", "new_owner", "previous", "reader", "companions"}


def shape_of(param: click.Parameter) -> str:
    metavar = (param.metavar or "").upper()
    name = param.name or ""
    if metavar.startswith("CUSTOMER/"):
        return "ref:" + _prefix(metavar.split("/", 1)[1])
    if metavar.startswith("CUSTOMER:"):
        return "planned-visit"
    if name in ("case", "ref"):
        return "ref:"
    if metavar == "CUSTOMER" or name in ("customer", "customer_ref", "reference"):
        return "customer"
    if metavar == "STAFF" or name in STAFF_NAMES or name == "staff_id":
        return "staff"
    if metavar == "TIME":
        return "time"
    if metavar in ("DATE", "YYYY-MM-DD") or name.endswith("date"):
        return "date"
    if metavar == "YYYY-MM":
        return "month"
    if REF_PATTERN.match(metavar):
        return "local:" + _prefix(metavar)
    if "=" in metavar:
        return "pairs:" + metavar.split("=", 1)[0]
    if metavar.startswith("TEXT[@"):
        return "promise"
    by_metavar = {"N": "count", "AMOUNT": "amount", "CUR": "currency", "KIND": "kinds",
                  "FILE": "file", "DIGEST": "digest", "FREQUENCY": "frequency"}  # fmt: skip
    if metavar in by_metavar:
        return by_metavar[metavar]
    by_name = {"segment": "segment", "event": "event", "names": "projection"}
    return by_name.get(name, "text")


# Typed by anyone, anywhere: none of these may ever end in a traceback.
# fmt: off
HOSTILE = (
    "", " ", "\t", "\n", " \u3000 ", "\x00", "a\x00b", "\x1b[31mred\x1b[0m", "\r", "\x7f",
    "\u200b", "\u202eevil", "e\u0301", "客户", "😀", "\udcff", "x\udce9y", "-", "--", "-x",
    "--at", "=", "==", "a=", "=b", "@", "@2026-01-01", "%s", "{0}", "'", '"', "\\",
    "'; DROP TABLE stored_events; --", "NULL", "None", "null", "true", "0", "-1", "-0", "1e309",
    "-1e309", "NaN", "nan", "inf", "-inf", "1_000", "0x10", "99999999999999999999999",
    "-99999999999999999999999", "2147483648", "9223372036854775808", "\uff11\uff12", "٣",
    "1.5", "0.001", " 7 ", "1,000.00", "now", "NOW ", "today", "tomorrow", "yesterday",
    "2026-02-30",    "2026-13-01", "2026-00-10", "2026-1-1", "20260101", "2026-W01-1", "0000-01-01",
    "0001-01-01", "1899-12-31", "1899-12-31T23:59", "1900-01-01T00:00+14:00",
    "2999-12-31T23:59-14:00", "3000-01-01", "9999-12-31", "9999-12-31T23:59:59.999999",
    "2026-01-01T24:00", "2026-01-01T10:00+24:00", "2026-01-01T10:00:61", "+2026-01-01",
    "2026-00", "2026-13", "0000-12", "9999-12", "1899-12", "2026-1", "202601", "C-00000",
    "C-99999", "C-999999999", "C-9999999999999", "c-00001", "C00001", "C-1", " C-00001 ",
    "C-00001/", "/CP1", "C-00001//CP1", "C-00001/CP1/x", "C-00001/CP0", "C-00001/CP-1",
    "C-00001/CP99999999999999999999", "C-00001/XX1", "C-00001/cp1", "C-99999/CP1", "nobody",
    "Li.Wei", "li.wei ", "x" * 41, "ops",
)
# fmt: on


TAINTS = ("\udcff", "\x00", "\x1b[2J", "\n", "\r", "\u2028", "\x85", "\t")
HUGE = ("x" * 4001, "界" * 5000, "a " * 30_000, "\x00" * 1000)


def hostile() -> Strategy:
    return st.one_of(
        st.sampled_from(HOSTILE + HUGE),
        st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8),
        st.text(st.characters(categories=["Cc", "Cf", "Cs", "Zs", "Mn", "Co"]), max_size=4),
    )


class Values:
    """Values for every shape and parameter: lists of candidates, built once, each
    drawn from by one choice (nested strategies cost more than the case)."""

    def __init__(self, known: Known, inputs: Path) -> None:
        self.known = known
        self.inputs = inputs
        self.hostile = hostile()
        shapes = ["ref:", "customer", "staff", "time", "date", "month", "count", "amount",
                  "segment", "event", "text", "planned-visit", "kinds", "frequency"]  # fmt: skip
        # A valid-looking value of any shape: the right kind of thing in the wrong place.
        self.any_known = sorted({v for s in shapes for v in self.candidates(s)} | set(known.words))

    def candidates(self, shape: str) -> list[str]:
        """Values a user of the seeded ledger could well mean, for one shape."""
        known = self.known
        today = known.today
        days = [(today + timedelta(days=n)).isoformat() for n in range(-60, 90, 3)]
        past = [today - timedelta(days=n) for n in range(0, 400, 9)]
        first = today.replace(day=1)
        months = sorted({(first + timedelta(days=31 * n)).strftime("%Y-%m") for n in range(-13, 3)})
        texts = ["Called about the renewal", "李经理 asked for a quote", "OK"]
        kind, _, detail = shape.partition(":")
        if kind == "ref":
            return list(known.refs_with(detail) if detail else known.refs)
        if kind == "local":
            return list(known.local_ids(detail))
        if kind == "pairs":
            return pairs(detail, known)
        simple: dict[str, Callable[[], list[str]]] = {
            "customer": lambda: [*known.codes, *known.names],
            "staff": lambda: list(known.staff),
            "time": lambda: [
                "now",
                *(d.isoformat() for d in past),
                *(f"{d}T{d.day % 24:02d}:30{z}" for d in past for z in ("", "+08:00", "Z")),
            ],
            "date": lambda: days,
            "month": lambda: months,
            "count": lambda: ["1", "3", "50", "1000"],
            "amount": lambda: ["1250.00", "0", "0.01", "99999999.99", "800"],
            "currency": lambda: ["CNY", "USD", "EUR"],
            "segment": lambda: list(known.segments),
            "kinds": lambda: [
                "complaint",
                "escalation",
                "people",
                "owner,contact",
                "relationship",
                "ComplaintFiled",
                "visit,profile",
            ],
            "file": lambda: sorted(str(p) for p in self.inputs.iterdir()),
            "digest": lambda: [known.digest, known.digest[:-1] + "0"],
            "frequency": lambda: ["30d", "2w", "1w", "90d"],
            "event": lambda: list(known.events),
            "projection": lambda: list(known.projections),
            "promise": lambda: [f"{t}@{d}" for t in texts for d in days[::5]] + texts,
            "planned-visit": lambda: planned_visits(known),
            "text": lambda: texts,
        }
        return simple[kind]()

    def for_param(self, leaf: Leaf, param: click.Parameter) -> tuple[Strategy, Strategy]:
        """(valid-looking values, any values) for one parameter of one command."""
        kind = param.type
        if isinstance(kind, click.Choice):
            choices = [str(c) for c in kind.choices]
            twisted = [c.upper() for c in choices] + [c[:3] for c in choices] + [f" {choices[0]}"]
            valid = st.sampled_from(choices)
            return valid, st.one_of(valid, st.sampled_from(twisted), self.hostile)
        if isinstance(kind, click.types.IntParamType | click.types.FloatParamType):
            return number_values(leaf, param)
        if isinstance(kind, click.Path):
            valid = st.sampled_from(["heads.txt", "out/heads.txt"])
            odd = [str(self.inputs), str(self.inputs / "plan.csv"), "/nonexistent/dir/heads.txt",
                   "/dev/full", "", "."]  # fmt: skip
            return valid, st.one_of(valid, st.sampled_from(odd), self.hostile)
        valid = st.sampled_from(self.candidates(shape_of(param)))
        elsewhere = st.sampled_from(self.any_known + _help_words(param))
        # A plausible value with a control character in it: it gets past every
        # check that looks only at the shape of the value.
        tainted = st.tuples(valid, st.sampled_from(TAINTS)).map("".join)
        return valid, st.one_of(valid, elsewhere, tainted, self.hostile, self.hostile)


def pairs(key_shape: str, known: Known) -> list[str]:
    if key_shape == "FIELD":
        values = ["x", "email", "2026-12-01", "P1", "1250.00", "", "Long"]
        return [f"{f}={v}" for f in known.fields for v in values]
    if key_shape == "ITEM":
        return ["taxi=35.50", "hotel=800 CNY", "dinner=120.5 USD", "gift=x"]
    return ["crm=A-1", "erp=42", "crm="]


def planned_visits(known: Known) -> list[str]:
    month = (known.today.replace(day=28) + timedelta(days=10)).strftime("%Y-%m")
    tails = ["", ":first_visit", ":maintenance", ":problem_handling:P1",
             ":relationship_building:P1,P2:Agenda"]  # fmt: skip
    return [
        f"{code}:{purpose.value}:{month}-{day:02d}{tail}"
        for code in known.codes
        for purpose in vocabulary.VisitPurpose
        for day, tail in zip((3, 12, 28, 9, 17), tails, strict=True)
    ]


def _help_words(param: click.Parameter) -> list[str]:
    """Example values the option's own help gives (`e.g. 30d or 2w`, lists of kinds)."""
    text = getattr(param, "help", None) or ""
    return sorted({w for w in re.findall(r"[\w.:@/=-]{2,}", text) if not w.startswith("-")})


# Options whose in-range values cost more than a case may take: the largest drawn.
COSTLY: dict[tuple[str, str], float] = {
    ("demo", "customers"): 3,
    ("projections rebuild", "workers"): 1,
    ("projections run", "seconds"): 0.05,
    ("projections run", "poll"): 0.1,
}
# Options a case always gives, so that the command ends soon: `projections run`
# follows the log until stopped without --seconds, `demo` loads 300 customers.
ALWAYS_GIVEN = {("projections run", "seconds"), ("projections run", "poll"), ("demo", "customers")}


def number_values(leaf: Leaf, param: click.Parameter) -> tuple[Strategy, Strategy]:
    kind = param.type
    low = getattr(kind, "min", None)
    high = getattr(kind, "max", None)
    is_float = isinstance(kind, click.types.FloatParamType)
    cap = COSTLY.get((leaf.name, param.name or ""))
    start = low if low is not None else (0 if is_float else -3)
    end = cap if cap is not None else (high if high is not None else start + 40)
    valid: Strategy = (
        st.floats(start, end, allow_nan=False).map(repr)
        if is_float
        else st.integers(int(start), int(min(end, start + 40))).map(str)
    )
    edges = [str(x) for x in (low, high) if x is not None and (cap is None or x <= cap)]
    beyond = ((low - 1) if low is not None else None, (high + 1) if high is not None else None)
    outside = [str(x) for x in beyond if x is not None]
    wild = ["-1", "0", "nan", "inf", "-inf", "1e309", "x", "", "1.5", "\uff11",
            "99999999999999999999999", "-99999999999999999999999"]  # fmt: skip
    if cap is not None:
        # A valid but huge value would only cost time: refused values are enough.
        wild = [w for w in wild if not _within(w, low, cap, high)]
    return valid, st.one_of(valid, st.sampled_from(edges + outside + wild))


def _within(text: str, low: float | None, cap: float, high: float | None) -> bool:
    """Whether `text` is a number the command would accept and that is above `cap`."""
    try:
        number = float(text)
    except ValueError:
        return False
    if number != number:  # NaN: kept; a command must refuse it
        return False
    in_range = (low is None or number >= low) and (high is None or number <= high)
    return in_range and number > cap


# --- invocations ----------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    leaf: Leaf
    args: list[str]
    db: str  # the database the case may write to: checked afterwards
    bare: bool = False  # the command's group named without the command


@dataclass(frozen=True)
class Param:
    param: click.Parameter
    valid: Strategy
    wild: Strategy

    @property
    def takes_text(self) -> bool:
        return isinstance(self.param.type, click.types.StringParamType)


# Strategies made once and reused: a new strategy object costs more to prepare
# than a draw from it.
@functools.cache
def chance(percent: int) -> st.SearchStrategy[bool]:
    return st.integers(0, 99).map(percent.__gt__)


@functools.cache
def between(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


@functools.cache
def pick(values: tuple[str, ...]) -> Strategy:
    return st.sampled_from(values)


@functools.cache
def tainted(values: Strategy, taint: str) -> Strategy:
    return values.map(lambda value: value + taint)


@functools.cache
def up_to_three(values: Strategy) -> st.SearchStrategy[list[str]]:
    return st.lists(values, max_size=3)


class Fuzzer:
    """Command lines for every command of `tree`, on the ledger at `db`."""

    def __init__(
        self,
        tree: Sequence[Leaf],
        known: Known,
        inputs: Path,
        db: str,
        other_dbs: Sequence[str],
        home_db: str,
    ) -> None:
        values = Values(known, inputs)
        self.tree = list(tree)
        self.known = known
        self.db = db
        self.other_dbs = [*other_dbs, home_db]
        self.home_db = home_db
        self.params = {
            leaf.name: [Param(p, *values.for_param(leaf, p)) for p in leaf.command.params]
            for leaf in self.tree
        }

    def cases(self, leaf: Leaf) -> st.SearchStrategy[Case]:
        """Command lines for `leaf` (each command gets its share of the cases, so that
        none is left out however the draws fall)."""
        return _case(self, leaf)


@st.composite
def _case(draw: st.DrawFn, fuzzer: Fuzzer, leaf: Leaf) -> Case:
    """One command line: root options, the command's words, its parameters. Most
    cases are plausible (every value valid-looking, perhaps one not), so that
    commands get past their first check; the rest take any value anywhere."""
    # 30% every value plausible, 20% all but one, 20% all plausible but one text
    # carrying a control character or an undecodable byte (every other check
    # passed, it reaches the query), 30% anything anywhere.
    mode = draw(between(0, 9))
    plausible = mode < 7
    params = fuzzer.params[leaf.name]
    odd_one = draw(between(0, len(params))) if 3 <= mode < 7 else -1
    taint = draw(pick(TAINTS)) if 5 <= mode < 7 else ""
    if taint:
        texts = [i for i, p in enumerate(params) if p.takes_text] or [-1]
        odd_one = int(draw(pick(tuple(map(str, texts)))))
    chosen_db = fuzzer.db
    if not plausible:
        chosen_db = draw(pick((fuzzer.db,) * 8 + tuple(fuzzer.other_dbs)))
    # Without --db the ledger is $LEDGER_HOME's.
    root = ["--db", chosen_db] if chosen_db != fuzzer.home_db else []
    if draw(chance(95)):
        actors = ("guo.ming",) * 8 + fuzzer.known.staff
        if not plausible:
            actors += ("nobody", "", "Li.Wei", "\x00")
        root += ["--as", draw(pick(actors))]
    if draw(chance(15)):
        root += ["--format", draw(pick(("table", "json", "jsonl", "csv", "xml", "")))]

    arguments: list[str] = []
    options: list[list[str]] = []
    for index, p in enumerate(params):
        param = p.param
        value = p.wild if index == odd_one or not plausible else p.valid
        if taint and index == odd_one:
            value = tainted(p.valid, taint)
        given = 100 if plausible and param.required else (93 if param.required else 35)
        if isinstance(param, click.Argument):
            if param.nargs == -1:
                arguments += draw(up_to_three(value))
            elif draw(chance(given)):
                arguments.append(draw(value))
            continue
        assert isinstance(param, click.Option)
        always = (leaf.name, param.name) in ALWAYS_GIVEN
        if not (always or draw(chance(given))):
            continue
        if param.is_flag:
            options.append([draw(pick((*param.opts, *param.secondary_opts)))])
            continue
        repeats = draw(between(1, 3)) if param.multiple or draw(chance(5)) else 1
        for _ in range(repeats):
            name = draw(pick(tuple(param.opts)))
            text = draw(value)
            joined = name.startswith("--") and draw(chance(30))
            options.append([f"{name}={text}"] if joined else [name, text])
    options = draw(st.permutations(options))
    words = [word for option in options for word in option]
    # Positional values before, after or among the options, as people type them.
    cut = draw(between(0, len(words)))
    args = [*root, *leaf.path, *words[:cut], *arguments, *words[cut:]]
    if not plausible and len(leaf.path) > 1 and draw(chance(2)):
        # A group named without its command: shows the group's help.
        return Case(leaf=leaf, args=[*root, *leaf.path[:-1]], db=chosen_db, bare=True)
    if not plausible and draw(chance(8)):
        extra = draw(pick(("--no-such-option", "extra", "--", "-", "--help")))
        args.insert(draw(between(len(root) if draw(chance(50)) else 0, len(args))), extra)
    return Case(leaf=leaf, args=args, db=chosen_db)


# --- what a case must never do ----------------------------------------------------------


# An error line longer than this repeats a pasted value instead of saying what is
# wrong with it: cli.py cuts a line at 600 characters, before the help hint (the
# longest message of the ledger's own, naming every field of `person update`, is
# some 350).
LONGEST_ERROR = 700


def check_outcome(case: Case, result: Result) -> None:
    """No traceback; exit 0, or an error exit (1 or 2) said in exactly one line on
    stderr with nothing on stdout (the rule of docs/architecture.md, as
    tests/e2e/test_cli_bad_input.py checks it)."""
    shown = (
        f"{[_short(a) for a in case.args]!r}\nexit {result.exit_code}\n"
        f"stdout: {_short(result.stdout, 1000)!r}\nstderr: {_short(result.stderr, 1000)!r}"
    )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        trace = "".join(traceback.format_exception(result.exception))
        raise AssertionError(f"a traceback:\n{shown}\n{trace}")
    assert "Traceback" not in result.output, f"a traceback in the output:\n{shown}"
    assert result.exit_code in (0, 1, 2), f"an unexpected exit code:\n{shown}"
    if result.exit_code == 2 and case.bare and result.stderr.startswith("Usage: "):
        # Like `ledger` alone: the group's help (click's way, on stderr, exit 2).
        return
    if result.exit_code != 0:
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and result.stderr.endswith("\n"), f"not one line:\n{shown}"
        assert lines[0].startswith("Error: "), f"not an error line:\n{shown}"
        assert len(lines[0]) <= LONGEST_ERROR, f"an error line too long to read:\n{shown}"
        assert result.stdout == "", f"an error that printed output:\n{shown}"


def _short(text: str, most: int = 80) -> str:
    return text if len(text) <= most else f"{text[:most]}...({len(text)} characters)"


def fingerprint_rows(tables: Iterator[tuple[str, Sequence[Sequence[Any]]]]) -> str:
    """One digest of every row of every table, whatever order the rows come in."""
    digest = hashlib.sha256()
    for table, rows in tables:
        digest.update(f"{table}:{len(rows)}".encode())
        for text in sorted(repr(tuple(row)) for row in rows):
            digest.update(text.encode("utf-8", "backslashreplace"))
    return digest.hexdigest()
