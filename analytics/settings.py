"""The rule settings (settings.toml): thresholds, pools, bands and cut-offs of domain.md."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from analytics.model import GRADES
from analytics.storage import PROJECT_ROOT

DEFAULT_SETTINGS = PROJECT_ROOT / "settings.toml"


@dataclass(frozen=True)
class Band:
    low: float
    high: float
    default: float
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class AccountLimits:
    """What a user name, display name or password may be (settings.toml [accounts])."""

    username_max_chars: int = 64
    display_name_max_chars: int = 64
    # argon2 hashes any length, but a visitor's megabytes of "password" should not reach it.
    password_max_chars: int = 256
    # Names the product itself writes into the audit log as the actor; no account may look like one.
    reserved_usernames: tuple[str, ...] = ("命令行", "系统初始化", "系统", "匿名", "未登录", "自动备份", "定时备份")
    # Shortest password accepted; consecutive wrong passwords that lock an account, and for how long.
    min_password: int = 8
    max_failed: int = 5
    lock_minutes: int = 15
    # A sign-in lasts across reloads and tabs until sign-out, this long without use (idle), or this
    # long after it began (absolute), whichever comes first.
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    # The one-time code a sign-in hands the browser to fetch its cookie with, valid this long.
    handoff_seconds: int = 60


@dataclass(frozen=True)
class FileLimits:
    """What one uploaded or imported .xlsx/.docx may expand to ([files] of settings.toml).

    A zip package is checked against these before any parser sees it, so that a small file
    cannot expand into gigabytes of XML or millions of cells in memory.
    """

    max_zip_members: int = 1000
    max_member_mb: float = 64
    max_total_mb: float = 200
    max_shared_strings_mb: float = 32
    max_sheet_rows: int = 100_000
    max_sheet_cells: int = 1_000_000
    max_workbook_cells: int = 1_000_000
    max_document_paragraphs: int = 100_000


@dataclass(frozen=True)
class TextLimits:
    """Caps, in characters, on what visitors and files send ([limits] of settings.toml)."""

    note_chars: int = 2000
    reason_chars: int = 500
    cell_text_chars: int = 2000
    file_name_chars: int = 255
    audit_user_chars: int = 64
    audit_detail_chars: int = 2000
    search_chars: int = 100


@dataclass(frozen=True)
class ScreenLimits:
    """How much of a large selection one screen sends to the browser ([screens] of settings.toml)."""

    # The sidebar's project list: past this many candidates it searches instead of listing them all.
    project_options: int = 100
    search_chars: int = 50
    # Rows a long table sends per page (资金 明细, 指标, 时间线's deadlines); a page number shows the rest
    # and the downloads hold every row.
    table_rows: int = 100
    # Items of 总览's red/yellow list per page (each row is a light, three texts and a 查看 link).
    attention_rows: int = 10
    # Past this many projects, 总览's score chart counts projects per score band instead of drawing each.
    chart_marks: int = 200
    # The width of those bands, in points.
    score_band: int = 5
    # Projects 资金's treemap and bar charts name one by one (the largest); the rest of each unit is one tile.
    funding_projects: int = 30
    # Projects in 时间线's Gantt chart (those with the most urgent deadlines).
    timeline_projects: int = 40


@dataclass(frozen=True)
class ExportLimits:
    """How large one export may be ([exports] of settings.toml)."""

    # Projects in one file: past this, the export asks to split by department or unit.
    max_projects: int = 5000


@dataclass(frozen=True)
class BackupSettings:
    """Online backups ([backup] of settings.toml): where, the daily time "HH:MM", how many kept."""

    folder: Path = PROJECT_ROOT / "data" / "backups"
    daily_at: str = "02:30"
    keep: int = 7


def parse_backup_settings(data: dict) -> BackupSettings:
    """[backup]: a relative folder is taken from the project root; keep >= 1; daily_at is HH:MM."""
    default = BackupSettings()
    folder = Path(data.get("folder", default.folder))
    keep = data.get("keep", default.keep)
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        raise ValueError("settings: backup.keep must be a whole number of at least 1")
    daily_at = str(data.get("daily_at", default.daily_at))
    hours, sep, minutes = daily_at.partition(":")
    if not (sep and hours.isascii() and hours.isdigit() and minutes.isascii() and minutes.isdigit()
            and int(hours) < 24 and int(minutes) < 60):
        raise ValueError(f"settings: backup.daily_at must be HH:MM, not {daily_at!r}")
    return BackupSettings(folder if folder.is_absolute() else PROJECT_ROOT / folder, daily_at, keep)


REVIEW_ORDERS = ("score", "department", "imported")


@dataclass(frozen=True)
class ReviewSettings:
    """The 评审 page ([review] of settings.toml): the presenter's default order, how much one screen
    holds and its type sizes in CSS pixels."""

    default_order: str = "imported"
    summary_rows: int = 8
    discussion_rows: int = 7
    body_px: int = 20
    table_px: int = 18
    chart_px: int = 16


def parse_review_settings(data: dict) -> ReviewSettings:
    """[review]: default_order is one of REVIEW_ORDERS; the counts and sizes are whole numbers >= 1."""
    known = {f.name for f in fields(ReviewSettings)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"settings: unknown [review] keys: {', '.join(sorted(unknown))}")
    order = data.get("default_order", ReviewSettings.default_order)
    if order not in REVIEW_ORDERS:
        raise ValueError(f"settings: review.default_order must be one of {', '.join(REVIEW_ORDERS)}, not {order!r}")
    values: dict[str, object] = {"default_order": order}
    for name in known - {"default_order"}:
        if name in data:
            v = data[name]
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"settings: review.{name} must be a whole number of at least 1")
            values[name] = v
    return ReviewSettings(**values)  # type: ignore[arg-type]


_L = TypeVar("_L")


@dataclass(frozen=True)
class PdfSettings:
    """Paged PDF of many forms ([pdf] of settings.toml, branch paged): WeasyPrint lays out one HTML
    document per chunk of forms, so memory stays bounded, and chunks render in parallel processes."""

    forms_per_chunk: int = 40
    workers: int = 1


@dataclass(frozen=True)
class Settings:
    pools: dict[str, float]
    budget_points: float
    cost_pool: str
    lower_is_better: str
    over_completion: float
    execution_rate_flag_below: float
    grades: tuple[tuple[str, float], ...]
    qualitative: dict[str, Band]
    budget_red_below: float
    budget_yellow_below: float
    red_below: float
    yellow_below: float
    blue_from: float
    deadline_warning_days: int
    cumulative_units: frozenset[str]
    # A printed 自评表 总分 further than this from the computed score is flagged.
    printed_total_tolerance: float = 0.5
    accounts: AccountLimits = field(default_factory=AccountLimits)
    files: FileLimits = field(default_factory=FileLimits)
    text_limits: TextLimits = TextLimits()
    backup: BackupSettings = BackupSettings()
    screens: ScreenLimits = ScreenLimits()
    review: ReviewSettings = ReviewSettings()
    exports: ExportLimits = ExportLimits()
    pdf: PdfSettings = PdfSettings()
    deck: DeckSettings = field(default_factory=lambda: DeckSettings())
    # The documents the score and the lights follow, cited on screen (settings.toml [score]/[lights] rules).
    score_rules: str = "财政部《项目支出绩效评价管理办法》(财预〔2020〕10号)"
    light_rules: str = "财政部《中央部门预算绩效运行监控管理暂行办法》(财预〔2019〕136号)"
    # Every indicator in one pool, whatever its 一级 (the Sichuan form's 绩效指标(90分)); set by [forms] scheme.
    single_pool: bool = False
    forms: FormSettings = field(default_factory=lambda: FormSettings())

    def grade_of(self, text: str) -> str | None:
        """The canonical grade (达成/部分达成/未达成) for its full or short spelling."""
        s = text.strip()
        for name, band in self.qualitative.items():
            if s == name or s in band.aliases:
                return name
        return None


def parse_settings(data: dict) -> Settings:
    score, lights = data["score"], data["lights"]
    if score["lower_is_better"] not in ("ratio", "linear"):
        raise ValueError("settings: score.lower_is_better must be 'ratio' or 'linear'")
    if set(data["qualitative"]) != set(GRADES):
        raise ValueError(f"settings: [qualitative] must define exactly {', '.join(GRADES)}")
    grades = tuple(sorted(((g["name"], float(g["min"])) for g in data["grades"]), key=lambda g: -g[1]))
    return with_scheme(Settings(
        pools={k: float(v) for k, v in score["pools"].items()},
        budget_points=float(score["budget_points"]),
        cost_pool=score["cost_pool"],
        lower_is_better=score["lower_is_better"],
        over_completion=float(score["over_completion"]),
        execution_rate_flag_below=float(score["execution_rate_flag_below"]),
        grades=grades,
        qualitative={
            k: Band(float(v["low"]), float(v["high"]), float(v["default"]), tuple(v.get("aliases", ())))
            for k, v in data["qualitative"].items()
        },
        budget_red_below=float(lights["budget_red_below"]),
        budget_yellow_below=float(lights["budget_yellow_below"]),
        red_below=float(lights["red_below"]),
        yellow_below=float(lights["yellow_below"]),
        blue_from=float(lights["blue_from"]),
        deadline_warning_days=int(lights["deadline_warning_days"]),
        cumulative_units=frozenset(lights["cumulative_units"]),
        printed_total_tolerance=float(data.get("import", {}).get("printed_total_tolerance", 0.5)),
        accounts=parse_limits(AccountLimits, data.get("accounts", {}), "accounts"),
        files=parse_file_limits(data.get("files", {})),
        text_limits=parse_limits(TextLimits, data.get("limits", {}), "limits"),
        backup=parse_backup_settings(data.get("backup", {})),
        screens=parse_limits(ScreenLimits, data.get("screens", {}), "screens"),
        review=parse_review_settings(data.get("review", {})),
        exports=parse_limits(ExportLimits, data.get("exports", {}), "exports"),
        pdf=parse_limits(PdfSettings, data.get("pdf", {}), "pdf"),
        deck=parse_limits(DeckSettings, data.get("deck", {}), "deck"),
        score_rules=str(score.get("rules", Settings.score_rules)),
        light_rules=str(lights.get("rules", Settings.light_rules)),
        forms=parse_form_settings(data.get("forms", {})),
    ))


def parse_limits(cls: type[_L], data: dict, section: str) -> _L:
    """A limits section ([accounts], [files], [limits]): known keys only, numbers positive, lists as tuples;
    a missing key keeps its default."""
    known = {f.name: f for f in fields(cls)}
    unknown = set(data) - set(known)
    if unknown:
        raise ValueError(f"settings: unknown [{section}] keys: {', '.join(sorted(unknown))}")
    values: dict[str, object] = {}
    for name, v in data.items():
        kind = known[name].type
        if kind in ("int", "float"):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
                raise ValueError(f"settings: {section}.{name} must be a positive number")
            values[name] = int(v) if kind == "int" else float(v)
        else:
            values[name] = tuple(v)
    return cls(**values)


def parse_file_limits(data: dict) -> FileLimits:
    return parse_limits(FileLimits, data, "files")


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> Settings:
    with open(path, "rb") as f:
        return parse_settings(tomllib.load(f))


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """``path``, else ``PERF_SETTINGS``, else the project's settings.toml (re-read when edited)."""
    p = Path(path or os.environ.get("PERF_SETTINGS") or DEFAULT_SETTINGS)
    return _load(str(p), p.stat().st_mtime)


# -- official forms (branch forms): [forms] of settings.toml ----------------------------------------
FORM_SCHEMES = ("10号", "四川", "湖北")


@dataclass(frozen=True)
class SchemePreset:
    """What a scoring scheme makes the engine score with, so that the points a form prints are the
    points behind its score. ``pools`` None keeps [score] as written (10号 is settings.toml's default)."""

    pools: dict[str, float] | None
    budget_points: float | None
    single_pool: bool = False


SCHEME_PRESETS: dict[str, SchemePreset] = {
    "10号": SchemePreset(None, None),
    # 预算执行情况(10分) + 绩效指标(90分), the 90 spread over every 三级 whatever its 一级 (domain.md section 7).
    "四川": SchemePreset({"绩效指标": 90.0}, 10.0, single_pool=True),
    # 预算执行情况 20分 = 20 × 执行率; the 10 points it adds come out of 产出指标 (domain.md section 9).
    "湖北": SchemePreset({"产出指标": 40.0, "效益指标": 30.0, "满意度指标": 10.0}, 20.0),
}


@dataclass(frozen=True)
class FormSettings:
    """[forms]: the scoring scheme the 自评表 prints (and the engine scores by), the 监控表's cut-off
    month X (1-X月), and the product's name in the footer's "由…生成"."""

    scheme: str = "10号"
    monitor_month: int = 7
    product_name: str = "项目支出绩效目标看板"


def parse_form_settings(data: dict) -> FormSettings:
    """[forms]: scheme is one of FORM_SCHEMES, monitor_month 1..12, product_name a non-empty text."""
    known = {f.name for f in fields(FormSettings)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"settings: unknown [forms] keys: {', '.join(sorted(unknown))}")
    scheme = data.get("scheme", FormSettings.scheme)
    if scheme not in FORM_SCHEMES:
        raise ValueError(f"settings: forms.scheme must be one of {', '.join(FORM_SCHEMES)}, not {scheme!r}")
    month = data.get("monitor_month", FormSettings.monitor_month)
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise ValueError("settings: forms.monitor_month must be a whole number from 1 to 12")
    name = data.get("product_name", FormSettings.product_name)
    if not isinstance(name, str) or not name.strip():
        raise ValueError("settings: forms.product_name must be a non-empty text")
    return FormSettings(scheme, month, name.strip())


def with_scheme(s: Settings) -> Settings:
    """The settings with the [forms] scheme's pools and budget points, as the engine must score."""
    preset = SCHEME_PRESETS[s.forms.scheme]
    if preset.pools is None:
        return s
    pools = dict(preset.pools)
    # The cost pool must name a pool of the scheme: 成本指标 joins 产出指标, or the single pool.
    cost_pool = s.cost_pool if s.cost_pool in pools else next(iter(pools))
    return replace(s, pools=pools, budget_points=float(preset.budget_points or s.budget_points),
                   cost_pool=cost_pool, single_pool=preset.single_pool)


# -- deck (issue 12 item 5): the review deck's PDF and PPTX ------------------------------------------


@dataclass(frozen=True)
class DeckSettings:
    """The review deck ([deck] of settings.toml): how much a page lists, the chart and the chunking."""

    # Projects on the summary page; indicators needing discussion on a project page; bars in its chart.
    summary_rows: int = 12
    discussion_rows: int = 6
    chart_bars: int = 12
    # Pages WeasyPrint lays out at once (memory and the chart thread's look-ahead), PNG pixel density.
    chunk_pages: int = 50
    png_scale: float = 1.5
    # Decks of more pages are printed by chromium rather than WeasyPrint (analytics.deck.deck_pdf).
    weasyprint_max_pages: int = 200
    # Pages chromium prints at once in a large deck (the renderer's memory grows with the chunk).
    print_chunk_pages: int = 50
    # Chunks chromium works on at once in a large deck: with two, one renderer draws while the other prints.
    print_slots: int = 2
