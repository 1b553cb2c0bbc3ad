"""Service-desk volume for the large demo scale (`seed_demo --scale large`) and the
benchmarks: 2,000,000 tickets over the last 24 months, written with COPY.

The small and default scales make their few dozen tickets through the desk services
(`demo._DeskDemo`); that costs milliseconds a ticket, hours for two million. Here every
row is computed in Python from one `random.Random(seed)` and streamed to PostgreSQL
with binary COPY, the tickets', events' and clocks' secondary indexes dropped before
and built once after (on another database, e.g. SQLite in the tests, bulk_create) —
about 2½ minutes for 2,000,000 tickets on a 2-core machine — in the shapes the
services and the SLA engine would have left them:

- Tickets spread over the projects (by their number of houses, ±30 %) and the last `months` months, more
  on weekdays and in office hours, slowly growing; numbered per project and year
  (``2025000123``) in the order they were opened, and the `ticket-<year>` counters set
  so that `ticket_open` continues after the last number.
- Types (per cent): repair 35, inquiry 20, request 12, suggestion 12, complaint 8,
  praise 7, paid/special service 5, emergency 1. Priorities per TYPE_PRIORITIES
  (complaints minor 70 / important 25 / major 5; repairs general 80 / urgent 17 / very
  urgent 3). Categories wherever TYPE_CATEGORIES asks for one (repair trades and
  complaint categories weighted, any other type's categories evenly). Channels: phone
  55, WeChat/online 25, visit 12, staff 5, patrol 3.
- A house and its primary contact as reporter for most tickets; common areas for a
  quarter of repairs and complaints (all lift and fire repairs).
- Lifecycle: each ticket draws the times it was handed over (assigned), taken up (in
  progress), resolved and closed — or cancelled (2–5 %) — *against the deadlines of its
  own SLA clocks*: the handover meets its 3/10-minute target 93 % of the time, the
  on-site visit or first answer 85–90 %, a complaint's resolution 80–85 %; the rest
  overrun. Inquiries (85 %) and some praise, requests and suggestions are answered by
  the desk itself (no assignee). Whatever is not done by now is open: at 2,000,000
  tickets about 7,800 (0.4 %, some 200 a project) in every open status (waiting for an
  appointment, for parts, for the customer…), most of them from the last days, and
  about 3,300 resolved and waiting for the return visit that closes them.
- Department and assignee by type (engineering → engineers, complaints → the department
  complained about…) from the project's staff: the seeded demo logins where they exist,
  and for the desk roles a project lacks a small roster of its own (one assistant, a
  supervisor, two engineers, a guard, a cleaner; without a password, so no login).
- Timeline (TicketEvent): for tickets of the last `full_timeline_days` days (and so every
  open ticket) every step the services would record — created, assigned, each status
  change; older tickets keep their first and last entry (created, and closed or
  cancelled), which is what reports and the ticket page need of them.
- SLA clocks: one per ticket × target of the active policy for its type and priority,
  deadlines and warning points computed with the engine's own arithmetic and the
  project's working calendar. Stopped clocks of done tickets are MET or BREACHED (met
  late), CANCELLED or BREACHED+ended for cancelled tickets. Clocks of open tickets are
  RUNNING, BREACHED (deadline passed: as the sweep would have recorded it) or PAUSED
  while the ticket waits; each warning, level and breach whose time has come has its
  SlaFiring (no notifications are written for them), `next_check_at` is the next
  checkpoint, and `Ticket.next_deadline_at` the earliest deadline of its ticking clocks.
  Pauses of tickets that are done are not replayed (their clocks ran straight through).
- Complaints get their ComplaintDetail (department complained about, the customer's
  demand, effective / invalid / pending). An open complaint older than the CMP-5 week is
  never classified effective, so that the "effective and unresolved for 7 days → major"
  step has not had to raise it.
- Return visits (回访) of the closed tickets, drawn by the visit policies: `demo_visits`.

Everything is a function of (`seed`, `now`, the projects, houses and staff), so two
runs against the same estate data produce the same tickets. Not generated: contacts
(来电来访记录), work orders, attachments, happenings, notifications, SLA
firings of stopped clocks.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone

from propdesk.accounts.models import Membership, User
from propdesk.accounts.roles import Role
from propdesk.core.demo_visits import Visits
from propdesk.core.models import Counter
from propdesk.core.workcalendar import WorkingCalendar
from propdesk.desk.choices import (
    TYPE_CATEGORIES,
    Channel,
    ComplaintCategory,
    Department,
    EventKind,
    Priority,
    RepairTrade,
    Status,
    TicketType,
    Validity,
    priorities_for,
)
from propdesk.desk.models import ComplaintDetail, Ticket, TicketEvent
from propdesk.estate.models import House, Project
from propdesk.followup.models import ReturnVisit, VisitDraw
from propdesk.residents.models import Occupancy
from propdesk.sla import arithmetic
from propdesk.sla.choices import ClockState, LevelCondition, StartEvent, StopEvent
from propdesk.sla.models import SlaClock, SlaFiring, SlaTarget
from propdesk.sla.selectors import policy_for
from propdesk.sla.services import CONDITION_RECHECK, TICKING, checkpoints

LARGE_TOTAL = 2_000_000
LARGE_MONTHS = 24
FULL_TIMELINE_DAYS = 30
DEFAULT_SEED = 20240601


def _plain(choices) -> SimpleNamespace:
    """A choices class as plain strings: the generator hashes and compares these tens of
    millions of times, and an enum member costs a Python call for each."""
    return SimpleNamespace(**{member.name: member.value for member in choices})


T, P, S, V = _plain(TicketType), _plain(Priority), _plain(Status), _plain(Validity)
CH, D, E = _plain(Channel), _plain(Department), _plain(EventKind)
CS, STOP = _plain(ClockState), _plain(StopEvent)
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
CMP5_WEEK = dt.timedelta(days=7)

# --- the mix -------------------------------------------------------------------------------

TYPE_MIX = (
    (T.REPAIR, 35),
    (T.INQUIRY, 20),
    (T.REQUEST, 12),
    (T.SUGGESTION, 12),
    (T.COMPLAINT, 8),
    (T.PRAISE, 7),
    (T.SERVICE, 5),
    (T.EMERGENCY, 1),
)
PRIORITY_MIX = {
    T.COMPLAINT: ((P.MINOR, 70), (P.IMPORTANT, 25), (P.MAJOR, 5)),
    T.REPAIR: ((P.GENERAL, 80), (P.URGENT, 17), (P.VERY_URGENT, 3)),
}
CATEGORY_MIX = {
    T.REPAIR: {
        RepairTrade.PLUMBING: 30,
        RepairTrade.ELECTRICAL: 18,
        RepairTrade.DOOR_WINDOW: 14,
        RepairTrade.CIVIL: 10,
        RepairTrade.LOW_VOLTAGE: 8,
        RepairTrade.ELEVATOR: 6,
        RepairTrade.HVAC: 5,
        RepairTrade.GAS: 3,
        RepairTrade.FIRE: 2,
        RepairTrade.OTHER: 4,
    },
    T.COMPLAINT: {
        ComplaintCategory.SECURITY: 16,
        ComplaintCategory.CLEANING: 18,
        ComplaintCategory.LANDSCAPING: 7,
        ComplaintCategory.ENGINEERING: 22,
        ComplaintCategory.MAIL: 4,
        ComplaintCategory.DECORATION: 13,
        ComplaintCategory.ATTITUDE: 8,
        ComplaintCategory.OTHER: 12,
    },
}
CHANNEL_MIX = ((CH.PHONE, 55), (CH.ONLINE, 25), (CH.VISIT, 12), (CH.STAFF, 5), (CH.PATROL, 3))
# Share of each type handled by the desk itself (no assignee: 首问责任人 answers).
DESK_HANDLED = {T.INQUIRY: 0.85, T.PRAISE: 0.6, T.SUGGESTION: 0.3, T.REQUEST: 0.2}
CANCELLED_SHARE = {T.SERVICE: 0.05, T.REPAIR: 0.03}  # others 0.02
# Types whose closing waits for the return visit (回访), a few days after resolving.
RETURN_VISIT = frozenset({T.REPAIR, T.COMPLAINT, T.SERVICE, T.EMERGENCY})
PLACED = frozenset({T.COMPLAINT, T.REPAIR, T.EMERGENCY, T.SERVICE})
COMMON_AREA_TRADES = frozenset({RepairTrade.ELEVATOR, RepairTrade.FIRE})

COMPLAINT_DEPARTMENT = {
    ComplaintCategory.SECURITY: D.SECURITY,
    ComplaintCategory.CLEANING: D.CLEANING,
    ComplaintCategory.LANDSCAPING: D.LANDSCAPING,
    ComplaintCategory.ENGINEERING: D.ENGINEERING,
    ComplaintCategory.DECORATION: D.MANAGEMENT,
    ComplaintCategory.OTHER: D.MANAGEMENT,
}
DEPARTMENT_HANDLER = {
    D.ENGINEERING: Role.ENGINEER,
    D.SECURITY: Role.GUARD,
    D.CLEANING: Role.CLEANER,
    D.LANDSCAPING: Role.CLEANER,
    D.CUSTOMER_SERVICE: Role.SUPERVISOR,
    D.MANAGEMENT: Role.SUPERVISOR,
}
# A project without desk staff of its own gets these (role, how many).
ROSTER = ((Role.ASSISTANT, 1), (Role.SUPERVISOR, 1), (Role.ENGINEER, 2), (Role.GUARD, 1), (Role.CLEANER, 1))

TITLES = {
    T.REPAIR: {
        RepairTrade.PLUMBING: ("厨房下水管堵塞", "卫生间水龙头漏水", "阳台地漏返水", "马桶水箱不止水", "热水器进水管渗水"),
        RepairTrade.ELECTRICAL: ("客厅插座没电", "卫生间灯不亮", "入户空气开关频繁跳闸", "楼道声控灯不亮"),
        RepairTrade.GAS: ("燃气灶点不着火", "燃气表附近有异味"),
        RepairTrade.DOOR_WINDOW: ("入户门锁芯卡死", "窗户合页松动关不严", "单元门闭门器损坏"),
        RepairTrade.CIVIL: ("卧室墙面渗水发霉", "阳台顶棚掉灰", "卫生间瓷砖空鼓"),
        RepairTrade.ELEVATOR: ("电梯按钮失灵", "电梯运行有异响", "电梯门关不严"),
        RepairTrade.FIRE: ("楼道消防栓箱门损坏", "烟感报警器误报"),
        RepairTrade.HVAC: ("空调冷凝水管漏水", "地暖分水器漏水"),
        RepairTrade.LOW_VOLTAGE: ("门禁卡刷不开单元门", "可视对讲没有图像"),
        RepairTrade.OTHER: ("信报箱锁坏了", "晾衣架升降失灵"),
    },
    T.COMPLAINT: {
        ComplaintCategory.SECURITY: ("夜间外来车辆随意进出", "保安值班时玩手机", "电动车在楼道充电无人管"),
        ComplaintCategory.CLEANING: ("楼道垃圾两天未清理", "地下车库积水有异味", "电梯轿厢有异味"),
        ComplaintCategory.LANDSCAPING: ("绿化带杂草丛生", "修剪的树枝堆放未清运"),
        ComplaintCategory.ENGINEERING: ("报修三天无人上门", "维修后仍然漏水", "路灯坏了很久没修"),
        ComplaintCategory.MAIL: ("快递被放错信报箱", "报刊多次未收到"),
        ComplaintCategory.DECORATION: ("邻居装修周末施工噪音扰民", "装修垃圾堆放楼道"),
        ComplaintCategory.ATTITUDE: ("客服电话接听态度差", "维修师傅态度生硬"),
        ComplaintCategory.OTHER: ("小区地面车位不足", "楼上住户高空抛物"),
    },
    T.INQUIRY: (
        "咨询物业费缴费方式",
        "咨询装修申请流程",
        "咨询停水通知时间",
        "咨询车位租赁价格",
        "咨询门禁卡补办",
        "咨询快递柜使用",
    ),
    T.REQUEST: ("申请开具物业费发票", "申请临时停车", "申请搬家放行条", "申请增办门禁卡", "申请借用活动室"),
    T.SUGGESTION: ("建议增设电动车充电桩", "建议延长游泳池开放时间", "建议增加儿童游乐设施", "建议在单元门口加装雨棚"),
    T.SERVICE: ("家政保洁预约", "家电清洗预约", "代收代寄快递", "开荒保洁", "搬运家具"),
    T.EMERGENCY: ("家中水管爆裂", "电梯困人", "闻到燃气味", "老人摔倒求助", "楼道冒烟"),
    T.PRAISE: ("表扬保安拾金不昧", "表扬维修师傅服务周到", "表扬客服热情耐心", "表扬保洁阿姨认真负责"),
}
OPENING = {
    CH.PHONE: "业主来电反映：",
    CH.ONLINE: "微信留言：",
    CH.VISIT: "业主来访：",
    CH.STAFF: "员工报告：",
    CH.PATROL: "巡查发现：",
}
COMMON_AREAS = ("{b}栋{e}单元楼道", "{b}栋电梯", "地下车库B1", "小区东门", "中心花园", "会所", "垃圾分类站", "{b}栋屋面")
DEMANDS = ("要求尽快处理并回复", "要求物业给出书面说明", "要求相关人员道歉", "要求加强管理，避免再次发生")
CANCEL_REASONS = ("客户来电撤销", "客户已自行处理", "重复登记，已合并处理")
_NAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林"
_GIVEN = ("伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞", "建华", "志强")


def _weighted(pairs) -> tuple[tuple, tuple]:
    pairs = tuple(pairs)
    values = tuple(v for v, _w in pairs)
    return values, tuple(itertools.accumulate(w for _v, w in pairs))


# --- what one run produced -----------------------------------------------------------------


@dataclass
class TicketSeedReport:
    tickets: int = 0
    open_tickets: int = 0
    events: int = 0
    clocks: int = 0
    firings: int = 0
    complaints: int = 0
    staff_created: int = 0
    visits: Tally = field(default_factory=Tally)  # demo_visits.Visits.counts
    statuses: Tally = field(default_factory=Tally)
    types: Tally = field(default_factory=Tally)
    clock_states: Tally = field(default_factory=Tally)
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.tickets:,} 工单 ({self.open_tickets:,} 未完成), {self.events:,} 事件, {self.clocks:,} 时限计时, "
            f"{self.firings:,} 触发记录, {self.complaints:,} 投诉信息, "
            f"{self.visits['draws_routine'] + self.visits['draws_audit']:,} 回访抽取, "
            f"{self.visits['done'] + self.visits['planned']:,} 回访; {self.seconds:.0f}s"
        )


# --- writing -------------------------------------------------------------------------------


class _Table:
    """Rows (tuples in `columns` order) into one table: binary COPY on PostgreSQL (the
    JSON columns given as JSON text), else bulk_create. Primary keys are given by the
    generator (`next_id`), and the table's sequence is moved past them (`finish`)."""

    def __init__(self, model: type[models.Model], *, json_columns: Sequence[str] = (), own_ids: bool = True):
        self.model = model
        self.columns = [f.column for f in model._meta.concrete_fields]
        self.json_indexes = [self.columns.index(c) for c in json_columns]
        self.copy = connection.vendor == "postgresql"
        self.own_ids = own_ids
        self.last_id = 0
        if self.copy:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT attname, atttypid FROM pg_attribute"
                    " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                    [model._meta.db_table],
                )
                oids = dict(cursor.fetchall())
            self.types = [oids[c] for c in self.columns]
        if own_ids:
            top = model.objects.aggregate(top=models.Max("pk"))["top"] or 0
            if self.copy:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, model._meta.pk.column])
                    (self.sequence,) = cursor.fetchone()
                    cursor.execute("SELECT nextval(%s)", [self.sequence])
                    top = max(top, cursor.fetchone()[0])
            self.last_id = top

    def next_id(self) -> int:
        self.last_id += 1
        return self.last_id

    def write(self, rows: Sequence[tuple]) -> None:
        if not rows:
            return
        if self.copy:
            from psycopg.types.json import set_json_dumps

            table = connection.ops.quote_name(self.model._meta.db_table)
            columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
            with connection.cursor() as cursor:
                set_json_dumps(_json_text, context=cursor.cursor)
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(self.types)
                    write_row = copy.write_row
                    for row in rows:
                        write_row(row)
            return
        objs = []
        for row in rows:
            values = dict(zip([f.attname for f in self.model._meta.concrete_fields], row, strict=True))
            for i in self.json_indexes:
                values[self.columns[i]] = json.loads(row[i])
            objs.append(self.model(**values))
        self.model.objects.bulk_create(objs, batch_size=500)

    def finish(self) -> None:
        if self.own_ids and self.copy and self.last_id:
            with connection.cursor() as cursor:
                cursor.execute("SELECT setval(%s, %s)", [self.sequence, self.last_id])


def _json_text(value) -> str:
    """JSON columns are given as JSON text already (built once per distinct value)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class _Calendar(WorkingCalendar):
    """The working calendar with each day's windows computed once: the generator asks
    for the same days hundreds of thousands of times. Same arithmetic, same results."""

    def _spans(self, day: dt.date):
        cache = self.__dict__.setdefault("_span_cache", {})
        spans = cache.get(day)
        if spans is None:
            spans = cache[day] = tuple(super()._spans(day))
        return spans


# --- one project's world -----------------------------------------------------------------


@dataclass
class _Place:
    house_id: int
    building: str
    entrance: str
    person_id: int | None
    name: str
    mobile: str


@dataclass
class _Staff:
    receivers: list[int]
    by_role: dict[str, list[int]]
    names: dict[int, str]

    def handler(self, department: str, rng: random.Random) -> int | None:
        users = self.by_role.get(DEPARTMENT_HANDLER.get(department, Role.SUPERVISOR)) or self.by_role.get(Role.SUPERVISOR)
        return rng.choice(users) if users else None


@dataclass
class _Policy:
    """The active SLA policy of a type × priority in a project, with what the
    generator needs per target: (target, business?, calendar, stop event)."""

    targets: list[tuple[SlaTarget, bool, object, str]]


class _Tickets:
    def __init__(
        self,
        *,
        total: int,
        months: int,
        now: dt.datetime,
        seed: int,
        full_timeline_days: int,
        progress: Callable[[str], None],
    ):
        self.total = total
        self.now = now
        self.days = max(1, round(months * 365.25 / 12))
        self.rng = random.Random(seed)
        self.full_since = now - dt.timedelta(days=full_timeline_days)
        self.progress = progress
        self.report = TicketSeedReport()
        self.tz = timezone.get_current_timezone()
        self.tickets = _Table(Ticket)
        self.events = _Table(TicketEvent, json_columns=("before", "after"))
        self.clocks = _Table(SlaClock)
        self.firings = _Table(SlaFiring, json_columns=("detail",))
        self.details = _Table(ComplaintDetail, own_ids=False)
        self.visits = Visits(now=now, seed=seed, full_since=self.full_since, table=_Table)
        self.type_values, self.type_cum = _weighted(TYPE_MIX)
        self.channel_values, self.channel_cum = _weighted(CHANNEL_MIX)
        self.priority_mix = {
            t: _weighted(PRIORITY_MIX.get(t, ((p.value, 1) for p in priorities_for(t)))) for t in TicketType.values
        }
        self.category_mix = {}
        for ticket_type, choices in TYPE_CATEGORIES.items():
            weights = CATEGORY_MIX.get(ticket_type, {})
            self.category_mix[ticket_type] = _weighted((value, weights.get(value, 1)) for value in choices.values)
        self._json: dict[tuple, str] = {}
        self._days_utc, self._day_years, self._day_cum = self._calendar_of_days()
        self._hour_cum = tuple(
            itertools.accumulate((1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 15, 12, 8, 10, 14, 14, 13, 11, 9, 8, 7, 5, 3, 2))
        )

    # helpers ------------------------------------------------------------------------

    def js(self, *key) -> str:
        """The JSON text of a small dict, built once per distinct value."""
        text = self._json.get(key)
        if text is None:
            text = self._json[key] = json.dumps(dict(zip(key[::2], key[1::2], strict=True)), ensure_ascii=False)
        return text

    def _calendar_of_days(self):
        """Per day back from today: local midnight in UTC, its year; and cumulative weights
        (fewer tickets at weekends, slow growth over the period)."""
        today = timezone.localtime(self.now, self.tz).date()
        starts, years, weights = [], [], []
        for back in range(self.days):
            day = today - dt.timedelta(days=back)
            starts.append(dt.datetime.combine(day, dt.time(0), tzinfo=self.tz).astimezone(dt.UTC))
            years.append(day.year)
            growth = 1.15 - 0.3 * back / self.days
            weights.append(growth * (0.7 if day.weekday() >= 5 else 1.0))
        return starts, years, tuple(itertools.accumulate(weights))

    def created_times(self, n: int) -> list[tuple[dt.datetime, int]]:
        rng = self.rng
        days = rng.choices(range(self.days), cum_weights=self._day_cum, k=n)
        hours = rng.choices(range(24), cum_weights=self._hour_cum, k=n)
        latest = self.now - MINUTE
        out = []
        for back, hour in zip(days, hours, strict=True):
            at = self._days_utc[back] + dt.timedelta(seconds=hour * 3600 + rng.randrange(3600))
            if at > latest:  # later today than now: earlier today instead
                at = latest - dt.timedelta(seconds=rng.randrange(max(1, int((latest - self._days_utc[0]).total_seconds()))))
            out.append((at, self._day_years[back]))
        out.sort(key=lambda pair: pair[0])
        return out

    # the run ------------------------------------------------------------------------------

    def run(self, projects: list[Project]) -> TicketSeedReport:
        started = time.monotonic()
        sizes = dict(House.objects.filter(project__in=projects).values_list("project").annotate(n=models.Count("pk")).order_by())
        weights = [max(1, sizes.get(p.pk, 0)) * self.rng.uniform(0.7, 1.3) for p in projects]  # by size, ±30 %
        scale = self.total / sum(weights)
        counts = [int(w * scale) for w in weights]
        counts[0] += self.total - sum(counts)
        for index, (project, n) in enumerate(zip(projects, counts, strict=True)):
            self.project(project, n)
            self.progress(
                f"[{index + 1}/{len(projects)}] {project.name}: {self.report.tickets:,} 工单, "
                f"{self.report.open_tickets:,} 未完成 累计 ({time.monotonic() - started:.0f}s)"
            )
        for table in (self.tickets, self.events, self.clocks, self.firings):
            table.finish()
        self.visits.finish()
        self.report.visits = self.visits.counts
        self.report.seconds = time.monotonic() - started
        return self.report

    def staff(self, project: Project) -> _Staff:
        by_role: dict[str, list[int]] = {}
        names: dict[int, str] = {}
        rows = (
            Membership.objects.filter(project=project, user__is_active=True, user__kind=User.Kind.STAFF)
            .order_by("user_id")
            .values_list("role", "user_id", "user__display_name", "user__username")
        )
        for role, user_id, display, username in rows:
            by_role.setdefault(role, []).append(user_id)
            names[user_id] = display or username
        password = None
        for role, n in ROSTER:  # the desk roles the project lacks, filled (no password: no login)
            if by_role.get(role):
                continue
            password = password or make_password(None)
            for i in range(1, n + 1):
                name = self.rng.choice(_NAMES) + self.rng.choice(_GIVEN)
                user, created = User.objects.get_or_create(
                    username=f"{project.code}-{role}{i if n > 1 else ''}",
                    defaults={"display_name": name, "password": password, "kind": User.Kind.STAFF},
                )
                Membership.objects.get_or_create(user=user, project=project, role=role)
                self.report.staff_created += created
                by_role.setdefault(role, []).append(user.pk)
                names[user.pk] = user.display_name or user.username
        receivers = by_role.get(Role.ASSISTANT) or by_role.get(Role.SUPERVISOR) or next(iter(by_role.values()), [])
        if not receivers:
            raise ValueError(f"project {project.code} has no staff to receive tickets")
        return _Staff(receivers=receivers, by_role=by_role, names=names)

    def places(self, project: Project) -> list[_Place]:
        rows = (
            Occupancy.objects.filter(project=project, end_date__isnull=True, is_primary_contact=True)
            .order_by("house_id", "id")
            .values_list(
                "house_id", "house__building__number", "house__entrance__number", "person_id", "person__name", "person__mobile"
            )
        )
        places, seen = [], set()
        for house_id, building, entrance, person_id, name, mobile in rows:
            if house_id not in seen:
                seen.add(house_id)
                places.append(_Place(house_id, building, entrance, person_id, name, mobile))
        return places

    def policies(self, project: Project) -> dict[tuple[str, str], _Policy | None]:
        calendars: dict[object, object] = {}

        def calendar_of(policy) -> object:
            key = policy.calendar_id or "project"
            if key not in calendars:
                calendars[key] = _Calendar.load(policy.calendar_id) if policy.calendar_id else _Calendar.for_project(project)
            return calendars[key]

        out: dict[tuple[str, str], _Policy | None] = {}
        for ticket_type in TicketType.values:
            for priority in (p.value for p in priorities_for(ticket_type)):
                policy = policy_for(project_id=project.pk, ticket_type=ticket_type, priority=priority)
                if policy is None:
                    out[(ticket_type, priority)] = None
                    continue
                targets = [
                    (t, t.in_business_time, calendar_of(policy), t.stop_event)
                    for t in policy.targets.all()
                    if t.start_event == StartEvent.CREATED
                ]
                out[(ticket_type, priority)] = _Policy(targets)
        return out

    def project(self, project: Project, n: int) -> None:
        staff = self.staff(project)
        places = self.places(project)
        policies = self.policies(project)
        counters = dict(Counter.objects.filter(project=project, key__startswith="ticket-").values_list("key", "value"))
        batch = _Batch()
        for created, year in self.created_times(n):
            key = f"ticket-{year}"
            counters[key] = counters.get(key, 0) + 1
            self.ticket(project, batch, staff, places, policies, created, f"{year}{counters[key]:06d}")
        self.visits.project(project, staff, _Calendar.for_project(project), batch.closed, batch.events, self.events.next_id)
        self.tickets.write(batch.tickets)
        self.details.write(batch.details)
        self.events.write(batch.events)
        self.clocks.write(batch.clocks)
        self.firings.write(batch.firings)
        self.report.events += len(batch.events)
        self.report.clocks += len(batch.clocks)
        self.report.firings += len(batch.firings)
        for key, value in counters.items():
            Counter.objects.update_or_create(project=project, key=key, defaults={"value": value})

    # one ticket ---------------------------------------------------------------------------

    def ticket(self, project, batch, staff: _Staff, places, policies, created: dt.datetime, number: str) -> None:
        rng, now = self.rng, self.now
        report = self.report
        ticket_type = rng.choices(self.type_values, cum_weights=self.type_cum)[0]
        values, cum = self.priority_mix[ticket_type]
        priority = rng.choices(values, cum_weights=cum)[0]
        category = ""
        if ticket_type in self.category_mix:
            values, cum = self.category_mix[ticket_type]
            category = rng.choices(values, cum_weights=cum)[0]
        channel = rng.choices(self.channel_values, cum_weights=self.channel_cum)[0]

        # where and who
        common = ticket_type in PLACED and (category in COMMON_AREA_TRADES or rng.random() < 0.22)
        place = rng.choice(places) if places else None
        house_id = reporter_id = None
        location = reporter_name = reporter_phone = ""
        if common or place is None:
            building = place.building if place else "1"
            entrance = place.entrance if place else "1"
            location = rng.choice(COMMON_AREAS).format(b=building, e=entrance)
        else:
            house_id = place.house_id
        if channel in (CH.STAFF, CH.PATROL):
            reporter_name = staff.names[rng.choice(staff.receivers)]
        elif place is not None and rng.random() < 0.95:
            reporter_id, reporter_name, reporter_phone = place.person_id, place.name, place.mobile
        titles = TITLES.get(ticket_type, ("工单",))
        if isinstance(titles, dict):
            titles = titles.get(category) or next(iter(titles.values()))
        title = rng.choice(titles)
        description = f"{OPENING[channel]}{location or '家中'}{title}，请尽快处理。"

        # who handles it
        desk_handled = rng.random() < DESK_HANDLED.get(ticket_type, 0.0)
        if ticket_type == T.COMPLAINT:
            department = COMPLAINT_DEPARTMENT.get(category, D.CUSTOMER_SERVICE)
        elif ticket_type in (T.REPAIR, T.EMERGENCY):
            department = D.ENGINEERING
        elif ticket_type == T.SERVICE:
            department = D.ENGINEERING if rng.random() < 0.6 else D.CLEANING
        else:
            department = D.CUSTOMER_SERVICE
        receiver = rng.choice(staff.receivers)
        assignee = None if desk_handled else staff.handler(department, rng)
        if assignee is None:
            desk_handled = True

        # the clocks' deadlines, then the lifecycle drawn against them
        policy = policies.get((ticket_type, priority))
        clocks = []  # [target, business, calendar, stop, deadline, budget]
        for target, business, calendar, stop in policy.targets if policy else ():
            deadline, budget = arithmetic.deadline_for(unit=target.unit, amount=target.amount, start=created, calendar=calendar)
            clocks.append((target, business, calendar, stop, deadline, budget))
        life = self.lifecycle(ticket_type, priority, created, clocks, desk_handled)
        assigned_at, started_at, resolved_at, closed_at, cancelled_at = life
        cancelled = cancelled_at is not None and cancelled_at <= now

        # where it stands now
        waiting_since, waiting = None, ""
        if cancelled:
            status = S.CANCELLED
        elif closed_at <= now:
            status = S.CLOSED
        elif resolved_at <= now:
            status = S.RESOLVED
        elif started_at <= now:
            status = S.IN_PROGRESS
            wait_share = {T.REPAIR: 0.35, T.COMPLAINT: 0.15, T.SERVICE: 0.2}.get(ticket_type, 0.1)
            if rng.random() < wait_share:
                waiting = {T.REPAIR: S.WAITING_PARTS, T.SERVICE: S.WAITING_APPOINTMENT}.get(ticket_type, S.WAITING_CUSTOMER)
        elif assigned_at <= now:
            status = S.ASSIGNED if assignee else S.IN_PROGRESS
            if ticket_type == T.REPAIR and rng.random() < 0.35:
                waiting = S.WAITING_APPOINTMENT
            elif ticket_type in (T.REQUEST, T.SUGGESTION) and rng.random() < 0.15:
                waiting = S.WAITING_CUSTOMER
        else:
            status = S.NEW
        if waiting:
            phase_start = started_at if status == S.IN_PROGRESS else assigned_at
            waiting_since = phase_start + (now - phase_start) * rng.uniform(0.05, 0.9)
            status = waiting
        is_open = status not in (S.CLOSED, S.RESOLVED, S.CANCELLED)

        ticket_id = self.tickets.next_id()
        project_id = project.pk

        # complaint classification
        validity = V.PENDING
        if ticket_type == T.COMPLAINT:
            if assigned_at > now:  # nobody has looked at it yet
                validity = V.PENDING
            elif is_open and now - created > CMP5_WEEK:
                validity = rng.choice((V.PENDING, V.INVALID))
            else:
                roll = rng.random()
                validity = V.EFFECTIVE if roll < 0.58 else V.INVALID if roll < 0.9 else V.PENDING
            classified_at = None
            classifier = None
            if validity != V.PENDING:
                classified_at = min(now, assigned_at + dt.timedelta(minutes=rng.randint(10, 240)))
                classifier = rng.choice(staff.by_role.get(Role.SUPERVISOR) or staff.receivers)
            done = status == S.CLOSED
            batch.details.append(
                (
                    ticket_id,
                    department,
                    "",
                    rng.choice(DEMANDS),
                    validity,
                    "经核实不属于物业服务责任，已向客户解释。" if validity == V.INVALID else "",
                    classifier,
                    classified_at,
                    None,
                    "请责任部门当日内处理并回复客户。" if validity == V.EFFECTIVE else "",
                    "已按要求处理完毕。" if done and validity == V.EFFECTIVE else "",
                    "已电话告知客户处理结果，客户表示满意。" if done else "",
                )
            )
            report.complaints += 1

        # clocks
        stop_at = {STOP.ASSIGNED: assigned_at, STOP.STARTED: started_at, STOP.RESOLVED: resolved_at}
        next_deadline = None
        for target, business, calendar, stop, deadline, budget in clocks:
            clock_id = self.clocks.next_id()
            warn_at = arithmetic.warn_time(
                business=business, deadline=deadline, budget=budget, percent=target.warn_at_percent, calendar=calendar
            )
            state, met_at, breached_at, ended_at = CS.RUNNING, None, None, None
            paused_at = paused_remaining = next_check = None
            deadline_at = deadline
            stopped = stop_at[stop]
            if cancelled and cancelled_at < stopped:
                ended_at = cancelled_at
                if deadline < cancelled_at:
                    state, breached_at = CS.BREACHED, deadline
                else:
                    state = CS.CANCELLED
            elif stopped <= now:
                met_at = stopped
                if stopped <= deadline:
                    state = CS.MET
                else:
                    state, breached_at = CS.BREACHED, deadline
            else:  # live
                pause = waiting_since is not None and target.pause_when_waiting
                if pause:  # as services._pause: the time left is kept; none left is a breach
                    paused_remaining = arithmetic.remaining(
                        business=business, now=waiting_since, deadline=deadline, calendar=calendar
                    )
                    pause = paused_remaining > dt.timedelta(0)
                if not pause and deadline <= now:
                    state, breached_at = CS.BREACHED, deadline
                horizon = waiting_since if pause else now
                next_check = self.fire(batch, clock_id, target, validity, created, deadline, warn_at, state, horizon)
                if pause:
                    state, paused_at = CS.PAUSED, waiting_since
                    deadline_at = warn_at = next_check = None
                else:
                    paused_remaining = None
                if not pause and (next_deadline is None or deadline < next_deadline):
                    next_deadline = deadline
            report.clock_states[state] += 1
            batch.clocks.append(
                (
                    clock_id,
                    project_id,
                    ticket_id,
                    target.pk,
                    target.kind,
                    state,
                    created,
                    deadline_at,
                    deadline,
                    warn_at,
                    budget,
                    paused_at,
                    paused_remaining,
                    dt.timedelta(0),
                    dt.timedelta(0),
                    met_at,
                    breached_at,
                    ended_at,
                    next_check,
                )
            )

        batch.tickets.append(
            (
                ticket_id,
                project_id,
                number,
                ticket_type,
                category,
                priority,
                status,
                title,
                description,
                channel,
                house_id,
                location,
                reporter_id,
                reporter_name,
                reporter_phone,
                receiver,
                department if assigned_at <= now else "",
                assignee if assigned_at <= now else None,
                created,
                resolved_at if status in (S.RESOLVED, S.CLOSED) else None,
                closed_at if status == S.CLOSED else None,
                next_deadline,
            )
        )
        if status == S.CLOSED and ticket_type in self.visits.types:
            batch.closed.append((closed_at, ticket_id, ticket_type, category, priority, department, house_id, receiver, created))
        report.tickets += 1
        report.open_tickets += is_open
        report.statuses[status] += 1
        report.types[ticket_type] += 1

        # timeline
        who = (project_id, ticket_id, ticket_type, priority, created, receiver, assignee, department)
        self.timeline(batch, who, life, status, waiting_since, full=is_open or created >= self.full_since)

    def lifecycle(self, ticket_type, priority, created, clocks, desk_handled):
        """(assigned, started, resolved, closed, cancelled-or-None) — times drawn against
        the deadlines of the ticket's clocks; later than now means "not yet"."""
        rng = self.rng

        def against(start: dt.datetime, deadline: dt.datetime | None, met: float, late: tuple[float, float], fallback):
            if deadline is None:
                return start + dt.timedelta(seconds=rng.uniform(*fallback))
            if deadline > start and rng.random() < met:
                return start + (deadline - start) * rng.uniform(0.08, 0.97)
            low, high = late  # overruns: many short, a few long
            return max(start, deadline) + dt.timedelta(seconds=low + (high - low) * rng.random() ** 2)

        deadlines: dict[str, dt.datetime] = {}
        for _target, _business, _calendar, stop, deadline, _budget in clocks:
            if stop not in deadlines or deadline < deadlines[stop]:
                deadlines[stop] = deadline
        # handed over (or taken up by the desk)
        assigned = against(created, deadlines.get(STOP.ASSIGNED), 0.93, (60, 6 * 3600), (30, 600))
        # taken up / first answer / on site
        if desk_handled:
            started = assigned
        else:
            met = 0.85 if priority in (P.URGENT, P.VERY_URGENT) else 0.9
            late = (1800, 7 * 86400) if ticket_type in (T.REQUEST, T.SUGGESTION) else (600, 4 * 86400)
            started = against(assigned, deadlines.get(STOP.STARTED), met, late, (60, 7200))
        # resolved
        deadline = deadlines.get(STOP.RESOLVED)
        if deadline is not None:
            met = {P.MINOR: 0.85, P.IMPORTANT: 0.85}.get(priority, 0.8)
            resolved = against(started, deadline, met, (3600, 6 * 86400), (3600, 86400))
            if priority != P.MAJOR:  # resolved (or classified invalid) before the CMP-5 week
                resolved = min(resolved, created + CMP5_WEEK - HOUR)
                resolved = max(resolved, started)
        else:
            roll = rng.random()
            if ticket_type == T.INQUIRY:
                span = (60, 1800)
            elif ticket_type == T.REPAIR:  # the long tail waits for parts
                span = (1200, 10800) if roll < 0.8 else (10800, 2 * 86400) if roll < 0.92 else (2 * 86400, 15 * 86400)
            elif ticket_type == T.EMERGENCY:
                span = (1800, 8 * 3600)
            elif ticket_type == T.SERVICE:
                span = (3600, 3 * 86400)
            elif ticket_type == T.REQUEST:
                span = (1800, 86400) if roll < 0.65 else (86400, 12 * 86400)
            elif ticket_type == T.SUGGESTION:
                span = (3600, 3 * 86400) if roll < 0.55 else (3 * 86400, 25 * 86400)
            else:
                span = (600, 2 * 86400)
            resolved = started + dt.timedelta(seconds=rng.uniform(*span))
        closing = (7200, 3 * 86400) if ticket_type in RETURN_VISIT else (60, 86400)
        closed = resolved + dt.timedelta(seconds=rng.uniform(*closing))
        cancelled = None
        if rng.random() < CANCELLED_SHARE.get(ticket_type, 0.02):
            cancelled = created + (resolved - created) * rng.uniform(0.05, 0.95)
            if cancelled <= assigned:  # cancelled before anyone took it: still new then
                assigned = started = resolved = closed = dt.datetime.max.replace(tzinfo=dt.UTC)
            elif cancelled <= started:
                started = resolved = closed = dt.datetime.max.replace(tzinfo=dt.UTC)
            else:
                resolved = closed = dt.datetime.max.replace(tzinfo=dt.UTC)
        return assigned, started, resolved, closed, cancelled

    def fire(self, batch, clock_id, target, validity, started, deadline, warn_at, state, horizon) -> dt.datetime | None:
        """SlaFiring rows for the checkpoints of a live clock that came due by `horizon`
        (now, or when it paused), and its next check."""
        clock = SlaClock(
            target=target, state=state, started_at=started, deadline_at=deadline, warn_at=warn_at, met_at=None, ended_at=None
        )
        pending = []
        for point in checkpoints(clock):
            if point.at > horizon:
                pending.append(point.at)
                continue
            level = point.level
            if level is not None and level.condition == LevelCondition.EFFECTIVE_COMPLAINT and validity != V.EFFECTIVE:
                pending.append(self.now + CONDITION_RECHECK * self.rng.random())  # waits, looked at again hourly
                continue
            fired_at = min(self.now, point.at + dt.timedelta(seconds=self.rng.uniform(1, 20)))
            detail = self.js("due_at", point.at.isoformat(), "notified", 0, "not_before", None)
            batch.firings.append((self.firings.next_id(), clock_id, point.key, level.pk if level else None, fired_at, detail))
        return min(pending, default=None) if state in TICKING else None

    def timeline(self, batch, who: tuple, life: tuple, status: str, waiting_since, *, full: bool) -> None:
        """The ticket's TicketEvents: every step up to now when `full`, else the first
        and the last (created; closed or cancelled)."""
        project_id, ticket_id, ticket_type, priority, created, receiver, assignee, department = who
        assigned, started, resolved, closed, cancelled = life
        now, js, nid, events = self.now, self.js, self.events.next_id, batch.events
        handler = assignee or receiver

        def add(at, kind, actor, before, after, note="") -> None:
            events.append((nid(), project_id, ticket_id, kind, actor, at, before, after, note))

        def moved(at, actor, before, after, note="") -> None:
            add(at, E.STATUS, actor, js("status", before), js("status", after), note)

        add(created, E.CREATED, receiver, "{}", js("status", S.NEW, "priority", priority, "type", ticket_type))
        current = S.NEW
        if full:
            if assigned <= now and assignee:
                before = js("assignee", None, "department", "", "status", S.NEW)
                add(
                    assigned,
                    E.ASSIGNED,
                    receiver,
                    before,
                    js("assignee", assignee, "department", department, "status", S.ASSIGNED),
                )
                current = S.ASSIGNED
            if started <= now:
                moved(started, handler, current, S.IN_PROGRESS)
                current = S.IN_PROGRESS
            if waiting_since is not None:
                moved(waiting_since, handler, current, status)
                current = status
            if status == S.CANCELLED:
                moved(cancelled, receiver, current, S.CANCELLED, self.rng.choice(CANCEL_REASONS))
            elif resolved <= now:
                moved(resolved, handler, current, S.RESOLVED)
                if closed <= now:
                    moved(closed, receiver, S.RESOLVED, S.CLOSED, "已回访")
        elif status == S.CLOSED:
            moved(closed, receiver, S.RESOLVED, S.CLOSED, "已回访")
        elif status == S.CANCELLED:
            before = S.NEW if assigned > cancelled else S.ASSIGNED if assignee and started > cancelled else S.IN_PROGRESS
            moved(cancelled, receiver, before, S.CANCELLED, self.rng.choice(CANCEL_REASONS))


@dataclass
class _Batch:
    tickets: list[tuple] = field(default_factory=list)
    details: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    clocks: list[tuple] = field(default_factory=list)
    firings: list[tuple] = field(default_factory=list)
    closed: list[tuple] = field(default_factory=list)  # for the return visits (demo_visits)


# --- entry point ---------------------------------------------------------------------------


def _drop_indexes(models_: Iterable[type[models.Model]]) -> list[str]:
    """Drop the secondary indexes of these tables (not the primary keys nor the indexes
    behind constraints) and return the statements that build them again: one sorted
    build after the load is several times cheaper than keeping them up to date row by
    row. DDL is transactional on PostgreSQL, so a failed load leaves them in place."""
    statements = []
    with connection.cursor() as cursor:
        for model in models_:
            cursor.execute(
                """
                SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
                FROM pg_index i
                WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = i.indrelid AND c.conindid = i.indexrelid)
                ORDER BY 1
                """,
                [model._meta.db_table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f"DROP INDEX {name}")
                statements.append(definition)
    return statements


def _build_indexes(statements: Sequence[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for statement in statements:
            cursor.execute(statement)


def seed_tickets(
    *,
    total: int = LARGE_TOTAL,
    months: int = LARGE_MONTHS,
    projects: Iterable[Project] | None = None,
    now: dt.datetime | None = None,
    seed: int = DEFAULT_SEED,
    full_timeline_days: int = FULL_TIMELINE_DAYS,
    progress: Callable[[str], None] | None = None,
) -> TicketSeedReport:
    """Write `total` tickets over the last `months` months into `projects` (default:
    all), with their timelines, complaint details, SLA clocks and firings, return visits,
    and move the ticket and visit-sampling counters on. Needs the projects' houses and
    occupants, a working calendar, the SLA policies (`sla_install_presets`) and the
    return-visit policies (`visit_policies_install`; none installed: no visits). Runs in one transaction; on PostgreSQL
    rows go in with binary COPY, and for a large load (≥ 100,000 tickets) the tables'
    secondary indexes are dropped first and built again at the end. Deterministic for
    a given `seed` and `now`."""
    projects = list(projects if projects is not None else Project.objects.order_by("id"))
    if not projects or total <= 0:
        return TicketSeedReport()
    began = time.monotonic()
    now = now or timezone.now()
    postgresql = connection.vendor == "postgresql"
    progress = progress or (lambda _message: None)
    with transaction.atomic():
        rebuild = (
            _drop_indexes((Ticket, TicketEvent, SlaClock, VisitDraw, ReturnVisit)) if postgresql and total >= 100_000 else []
        )
        generator = _Tickets(
            total=total, months=months, now=now, seed=seed, full_timeline_days=full_timeline_days, progress=progress
        )
        report = generator.run(projects)
        if rebuild:
            started = time.monotonic()
            _build_indexes(rebuild)
            progress(f"{len(rebuild)} 个索引已重建 ({time.monotonic() - started:.0f}s)")
        if postgresql:
            with connection.cursor() as cursor:  # fresh planner statistics for the new rows
                for model in (Ticket, TicketEvent, ComplaintDetail, SlaClock, SlaFiring, Counter, VisitDraw, ReturnVisit):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    report.seconds = time.monotonic() - began
    return report
