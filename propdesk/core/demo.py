"""Demo data for propdesk (`manage.py seed_demo`), deterministic and fast.

One company with its projects (小区), buildings (栋) with two entrances (单元) each, houses
(住宅, a few 商铺 / 办公 / 车库储藏) in every MOV-14 status with their status history,
people with realistic Chinese names, valid mobile numbers and GB 11643 resident IDs,
occupancies (owners as primary contacts, co-owners, family, tenants, ended ties for
MOV-11 / MOV-13 history), the archive (ARC-2 checklist states, paper locations, loans
under ARC-5), parking spaces and one demo login per staff role plus a resident login.
At the small and default scales also the service desk: the first project's price list and
about forty contacts of the last days, most of them tickets of every type and status (a
paid repair signed off, the open pool, an appointment, complaints classified, a happening
made major, an emergency), a few for the second project.

How rows are written:
- Projects go through `estate.services.project_create`, so the ARC-2 checklist is
  seeded the normal way; search keys through `residents.services.person_search_keys`.
- The bulk rows are written here with `bulk_create` in batches rather than one service
  call per row: demo data are not a business operation and must load in seconds.
- The service desk goes through the desk services (contact_log, ticket_*, complaint_*,
  work_order_*), so timelines and SLA clocks are the real ones; its tickets are then
  back-dated by `_backdate` (demo only) and one `sla_sweep` records the breaches.
- History (simple_history on House / Person / Occupancy): the small and default scales
  write one '+' history row per seeded row with `bulk_create_with_history`; the large
  (benchmark) scale skips history and, on PostgreSQL, streams rows with COPY.
- The medium and large scales' tickets and bills are written in bulk by
  `demo_history` — on PostgreSQL in two processes once the estate is committed.

Everything comes from one `random.Random(SEED)` and dates are anchored on `AS_OF`, so
two runs produce the same people, numbers and codes. Loans and the service desk alone are
dated from now, so what is overdue is overdue whenever the demo runs.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from simple_history.utils import bulk_create_with_history

from propdesk.accounts.models import Membership, User
from propdesk.accounts.roles import Role
from propdesk.core import pinyin
from propdesk.core.idcard import check_character
from propdesk.core.services import calendar_create_default
from propdesk.desk.choices import (
    WORK_ORDER_TYPES,
    Channel,
    ComplaintStep,
    Department,
    EmergencyKind,
    EventKind,
    PriceKind,
    Priority,
    RepairTrade,
    Status,
    TicketType,
    Validity,
)
from propdesk.desk.complaints import (
    complaint_classify,
    complaint_link,
    complaint_record_details,
    complaint_record_step,
    happening_create,
)
from propdesk.desk.emergencies import duty_shift_add, emergency_check, emergency_inform_caller, emergency_summarise
from propdesk.desk.models import (
    ComplaintDetail,
    Contact,
    EmergencyCheck,
    EmergencyDetail,
    Happening,
    PriceItem,
    ServiceProvider,
    Ticket,
    TicketEvent,
    WorkOrder,
)
from propdesk.desk.repairs import (
    work_order_accept_quote,
    work_order_arrive,
    work_order_complete,
    work_order_open_pool,
    work_order_prepare,
    work_order_quote,
    work_order_temporary_measure,
)
from propdesk.desk.services import contact_log, ticket_assign, ticket_comment, ticket_transition
from propdesk.estate.choices import HouseStatus, ParkingKind, Usage
from propdesk.estate.housecode import format_house_code
from propdesk.estate.models import Building, Company, Entrance, House, HouseStatusChange, ParkingSpace, Project
from propdesk.estate.services import project_create
from propdesk.followup.choices import VisitMethod
from propdesk.followup.models import ReturnVisit, VisitDraw
from propdesk.followup.services import visit_policies_install, visit_record
from propdesk.residents.choices import ArchiveItemStatus, IdType, LoanStatus, OccupancyEnd, OccupantRole
from propdesk.residents.models import ArchiveItem, ArchiveItemType, ArchiveLoan, Occupancy, PaperArchive, Person
from propdesk.residents.services import person_search_keys
from propdesk.sla.models import SlaClock
from propdesk.sla.services import sla_install_presets, sla_sweep

SEED = 20240601
AS_OF = dt.date(2026, 6, 30)
DEMO_PASSWORD = "propdesk-demo"
# The modules' demo data after the desk's, in order (later ones use the bills of the first):
# (label, dotted path of `seed_x(*, projects, staff, rng) -> Counter`).
DEMO_MODULES = (
    ("收费", "propdesk.billing.demo.seed_billing"),  # fees: runs, payments, arrears (issue 5)
    ("满意度调查", "propdesk.surveys.demo.seed_surveys"),  # SUR-1…4
    ("银行托收", "propdesk.bankcollect.demo.seed_bankcollect"),  # issue 5 item 9
    ("抄表", "propdesk.metering.demo.seed_metering"),  # meters and readings (issue 5 item 2)
    ("主动访问与关怀", "propdesk.outreach.demo.seed_outreach"),  # VIS-7, ARC-6 (issue 4)
    ("催缴", "propdesk.dunning.demo.seed_dunning"),  # FEE-7
    ("回访", "propdesk.followup.demo.seed_followup"),  # new-resident visits, the visit clock (issue 4)
    ("押金", "propdesk.deposits.demo.seed_deposits"),  # issue 5 item 8
    ("停车", "propdesk.parking.demo.seed_parking"),  # FEE-10 (its IC cards take deposits)
)
DEMO_URL = "http://127.0.0.1:8000"
COMPANY_NAME = "阳光物业服务有限公司"
CHANGE_REASON = "演示数据（seed_demo）"

# --- logins ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str  # a Role value, or "" for the resident login
    display_name: str
    project_index: int | None  # index into the scale's projects; None = every project


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("assistant", Role.ASSISTANT, "王晓燕", 0),
    DemoLogin("supervisor", Role.SUPERVISOR, "陈静", 0),
    DemoLogin("manager", Role.MANAGER, "刘建国", 0),
    DemoLogin("engineer", Role.ENGINEER, "赵志强", 0),
    DemoLogin("guard", Role.GUARD, "孙海涛", 0),
    DemoLogin("cleaner", Role.CLEANER, "周秀兰", 0),
    DemoLogin("cashier", Role.CASHIER, "吴丽娜", 0),
    DemoLogin("archivist", Role.ARCHIVIST, "郑雅琴", 0),
    DemoLogin("headoffice", Role.HEAD_OFFICE, "何振华", None),
    DemoLogin("admin", Role.ADMIN, "林峰", None),
    DemoLogin("assistant2", Role.ASSISTANT, "杨丽", 1),
)
RESIDENT_USERNAME = "resident"

# --- names, numbers ----------------------------------------------------------------------

# Surnames with their approximate share (per cent) in the 2020 census. Surnames whose
# usual reading differs from the surname reading (曾 zeng, 单 shan, 覃 qin…) are left
# out so that pinyin search behaves as a demo user expects.
_SURNAMES = (
    ("王", 7.12), ("李", 7.00), ("张", 6.74), ("刘", 5.10), ("陈", 4.61), ("杨", 3.22), ("黄", 2.45),
    ("赵", 2.19), ("吴", 2.08), ("周", 1.93), ("徐", 1.45), ("孙", 1.38), ("马", 1.29), ("胡", 1.16),
    ("朱", 1.13), ("郭", 1.12), ("何", 1.07), ("罗", 0.94), ("高", 0.92), ("林", 0.88), ("郑", 0.79),
    ("梁", 0.72), ("谢", 0.67), ("唐", 0.57), ("许", 0.56), ("冯", 0.51), ("宋", 0.51), ("韩", 0.49),
    ("邓", 0.46), ("彭", 0.44), ("曹", 0.43), ("田", 0.40), ("于", 0.39), ("肖", 0.38), ("潘", 0.36),
    ("袁", 0.36), ("董", 0.35), ("叶", 0.34), ("杜", 0.33), ("丁", 0.32), ("蒋", 0.31), ("程", 0.30),
    ("余", 0.30), ("吕", 0.29), ("魏", 0.29), ("蔡", 0.28), ("苏", 0.28), ("任", 0.27), ("卢", 0.27),
    ("沈", 0.26), ("姜", 0.26), ("姚", 0.25), ("钟", 0.24), ("崔", 0.24), ("陆", 0.22), ("谭", 0.22),
    ("汪", 0.22), ("石", 0.21), ("付", 0.21), ("贾", 0.21), ("范", 0.20), ("金", 0.20), ("方", 0.19),
    ("韦", 0.19), ("夏", 0.18), ("廖", 0.18), ("侯", 0.17), ("白", 0.17), ("孟", 0.16), ("邹", 0.16),
    ("秦", 0.16), ("尹", 0.15), ("江", 0.15), ("熊", 0.15), ("薛", 0.14), ("邱", 0.14), ("闫", 0.13),
    ("段", 0.13), ("雷", 0.13), ("龙", 0.12), ("黎", 0.12), ("史", 0.12), ("陶", 0.12), ("贺", 0.11),
    ("毛", 0.11), ("郝", 0.11), ("顾", 0.11), ("龚", 0.10), ("邵", 0.10), ("万", 0.10), ("武", 0.09),
    ("钱", 0.09), ("戴", 0.09), ("严", 0.09), ("莫", 0.08), ("孔", 0.08), ("向", 0.08), ("常", 0.08),
    ("汤", 0.08), ("欧阳", 0.03), ("司马", 0.005), ("诸葛", 0.005), ("上官", 0.005),
)  # fmt: skip
_SURNAME_CHOICES = tuple(name for name, _share in _SURNAMES)
_SURNAME_CUM = tuple(itertools.accumulate(share for _name, share in _SURNAMES))
_COMPOUND_SURNAMES = {name for name in _SURNAME_CHOICES if len(name) == 2}

# Given names by sex and era of birth (before 1970, 1970–1989, from 1990): single
# characters, whole two-character names (written run together), and first / second
# characters to combine.
_GIVEN = {
    ("M", 0): (
        "军强伟刚勇斌明平华林东峰辉健",
        "建国建军国庆志强卫东红军德明永刚振华国强建华立新文斌长青福林跃进",
        "建国志德永振文庆立长福海明",
        "国军华明强平林东生刚民成",
    ),
    ("M", 1): (
        "伟磊涛鹏杰超勇军斌浩亮健俊辉波宇飞峰凯晨",
        "海涛志刚俊杰晓东建伟文博永强家豪志明小龙振宇立伟宏伟国栋",
        "志文海建俊晓家明国振宏天成立永嘉晨",
        "伟涛杰鹏辉明华强峰军斌刚超磊宇龙",
    ),
    ("M", 2): (
        "浩宇轩睿泽航铭阳晨凯博帆",
        "子轩浩然宇轩梓豪俊杰皓轩博文睿泽一鸣思远浩宇子墨奕辰宇航铭轩沐阳",
        "子浩宇梓俊皓博睿一思奕铭沐君景天嘉",
        "轩然豪杰文泽鸣远宇墨辰航阳浩行瑞",
    ),
    ("F", 0): (
        "英兰珍芳华凤琴霞梅",
        "秀英桂英秀兰淑珍玉兰桂兰凤英秀珍玉珍丽华淑华红梅美华素芬惠芳",
        "秀桂淑玉凤丽美素惠月春翠",
        "英兰珍华芳梅琴芬霞云娥",
    ),
    ("F", 1): (
        "丽娜静敏燕艳娟霞芳婷玲倩晶颖雪慧红洁",
        "晓燕丽娟海燕雪梅春燕丽丽婷婷晓丽静怡慧敏文静雅琴佳慧美玲秋月",
        "晓丽海雪春婷静慧文雅佳美秋小玉",
        "燕娟梅丽婷敏静琴慧玲霞红芳洁",
    ),
    ("F", 2): (
        "涵怡琪璐妍萱悦彤瑶菲",
        "梓涵欣怡子涵诗涵雨萱可馨梦瑶思彤一诺语嫣佳怡紫萱若曦欣妍雨桐安琪",
        "梓欣子诗雨可梦思一语佳紫若芷安沐",
        "涵怡萱馨瑶彤诺嫣琪曦妍桐悦琳然",
    ),
}
_FOREIGN_NAMES = ("David Johnson", "Sarah Miller", "Kenji Tanaka", "Maria Garcia", "Thomas Weber", "Min-jun Kim", "Olivia Brown")

# Real mobile prefixes (China Mobile, Unicom, Telecom) in the 13x/15x/17x/18x/19x blocks.
_MOBILE_PREFIXES = tuple(
    block + digit
    for block, digits in (("13", "0123456789"), ("15", "012356789"), ("17", "35678"), ("18", "0123456789"), ("19", "13589"))
    for digit in digits
)

# Real county-level region codes (GB/T 2260), with weights: most residents are local
# (Hangzhou), the rest from across the country.
_REGIONS = (
    ("330106", 14), ("330102", 8), ("330105", 6), ("330108", 5), ("330110", 4),  # 杭州 西湖/上城/拱墅/滨江/余杭
    ("110101", 2), ("110105", 2), ("110108", 2), ("310104", 2), ("310115", 2),  # 北京 东城/朝阳/海淀, 上海 徐汇/浦东
    ("440106", 2), ("440305", 2), ("320102", 2), ("320106", 1), ("510104", 2),  # 广州天河, 深圳南山, 南京玄武/鼓楼, 成都锦江
    ("420106", 2), ("610113", 2), ("370102", 1), ("500103", 1), ("430102", 1),  # 武汉武昌, 西安雁塔, 济南历下, 重庆渝中, 长沙芙蓉
    ("410105", 1), ("350203", 1), ("340104", 2), ("360102", 1), ("120101", 1),  # 郑州金水, 厦门思明, 合肥蜀山, 南昌东湖, 天津和平
    ("330203", 2), ("330302", 2), ("330402", 2), ("330602", 2), ("330702", 2),  # 宁波海曙, 温州鹿城, 嘉兴南湖, 绍兴越城, 金华婺城
)  # fmt: skip
_REGION_CODES = tuple(code for code, _w in _REGIONS)
_REGION_WEIGHTS = tuple(w for _c, w in _REGIONS)

# --- scales --------------------------------------------------------------------------------

_LARGE_NAMES = (
    "锦绣华庭",
    "金色家园",
    "碧水湾",
    "紫荆苑",
    "御景湾",
    "桂花园",
    "香樟苑",
    "滨江花园",
    "和平里",
    "明珠苑",
    "春晓苑",
    "明月山庄",
    "海棠苑",
    "枫林绿洲",
    "星河湾",
    "春江花月",
    "望江苑",
    "世纪城",
    "书香门第",
    "华府天地",
    "新城国际",
    "万象城",
    "城市花园",
    "丽景苑",
    "青年汇",
    "幸福里",
    "蓝湾国际",
    "湖畔花园",
    "兰亭苑",
    "天悦府",
    "云山诗意",
    "翡翠城",
    "学府壹号",
    "玫瑰园",
    "梧桐苑",
    "长岛花园",
    "金沙湾",
    "东方名城",
)


@dataclass(frozen=True)
class ProjectPlan:
    code: str
    name: str
    address: str
    first_handover: dt.date
    target_houses: int
    floor_choices: tuple[int, ...]
    shop_buildings: int = 1  # the first buildings face the street: shops on floor 1
    storage_rooms: int = 6  # 车库储藏 on floor -1 of building 1
    parking_ratio: float = 0.5
    # ARC-2 checklist rows for every handed-over house (about 13 rows a house); the
    # benchmark-only projects of the large scale leave them out to load in minutes.
    archive_checklist: bool = True

    @property
    def mature(self) -> bool:
        return self.first_handover <= AS_OF - dt.timedelta(days=3 * 365)


@dataclass(frozen=True)
class ScalePlan:
    name: str
    projects: tuple[ProjectPlan, ...]
    history: bool
    batch_size: int


def _first_two(*, sunshine: int, cuihu: int, floors_a: tuple[int, ...], floors_b: tuple[int, ...]) -> tuple[ProjectPlan, ...]:
    return (
        ProjectPlan("sunshine", "阳光花园", "浙江省杭州市西湖区文三路 188 号", dt.date(2013, 6, 1), sunshine, floors_a, 2),
        ProjectPlan("cuihu", "翠湖苑", "浙江省杭州市滨江区江南大道 1518 号", dt.date(2024, 3, 1), cuihu, floors_b, 1),
    )


_PHASES = ("", "二期", "三期", "四期", "五期", "六期")
_DISTRICTS = ("西湖", "上城", "拱墅", "滨江", "余杭", "萧山", "临平", "钱塘")


def _many_projects(count: int, *, first_two: int, houses: int) -> tuple[ProjectPlan, ...]:
    """阳光花园 and 翠湖苑 (`first_two` houses each) and `count` − 2 more projects of about
    `houses` houses (±20 %): the names of _LARGE_NAMES, then their later phases (二期, 三期…)
    — distinct names, codes unique by their number."""
    plans = list(_first_two(sunshine=first_two, cuihu=first_two, floors_a=(11, 18, 26), floors_b=(18, 26, 33)))
    for index in range(3, count + 1):
        base = _LARGE_NAMES[(index - 3) % len(_LARGE_NAMES)]
        name = base + _PHASES[(index - 3) // len(_LARGE_NAMES)]
        initials, _full = pinyin.pinyin_keys(name)
        year = 2006 + (index * 7) % 19  # first handovers spread over 2006–2024
        plans.append(
            ProjectPlan(
                f"{initials}{index:03d}",
                name,
                f"浙江省杭州市{_DISTRICTS[index % len(_DISTRICTS)]}区{base}路 {index * 11} 号",
                dt.date(year, 1 + index % 12, 1),
                houses + (index * 37) % (houses * 2 // 5 + 1) - houses // 5,
                (6, 11, 18) if year < 2012 else (11, 18, 26, 33),
                1 + index % 2,
                archive_checklist=False,
            )
        )
    return tuple(plans)


SCALES: dict[str, Callable[[], ScalePlan]] = {
    "small": lambda: ScalePlan(
        "small", _first_two(sunshine=40, cuihu=30, floors_a=(6,), floors_b=(6,)), history=True, batch_size=1000
    ),
    "default": lambda: ScalePlan(
        "default", _first_two(sunshine=480, cuihu=420, floors_a=(11, 18), floors_b=(18, 26)), history=True, batch_size=1000
    ),
    # Development: the large scale's machinery at a tenth of its size (~20,000 houses,
    # 200,000 tickets, a year of bills), in a minute or two.
    "medium": lambda: ScalePlan("medium", _many_projects(20, first_two=1000, houses=1000), history=False, batch_size=10000),
    # Benchmarks: 200 projects, ~210,000 houses, ~490,000 people, 2,000,000 tickets, a year of bills.
    "large": lambda: ScalePlan("large", _many_projects(200, first_two=4600, houses=1000), history=False, batch_size=10000),
}
# Tickets over the last 24 months at the bulk scales (propdesk.core.demo_tickets).
BULK_TICKETS = {"medium": 200_000, "large": 2_000_000}

# --- statuses ------------------------------------------------------------------------------

S = HouseStatus
_MIX = {
    "mature": {
        S.OWNER_OCCUPIED: 56,
        S.RENTED: 17,
        S.VACANT: 9,
        S.CUSTODY: 3,
        S.HANDED_OVER: 4,
        S.DECORATING: 4,
        S.OFFICE: 1,
        S.NOT_HANDED_OVER: 6,
    },
    "new": {
        S.NOT_HANDED_OVER: 14,
        S.HANDED_OVER: 22,
        S.DECORATING: 24,
        S.OWNER_OCCUPIED: 30,
        S.RENTED: 5,
        S.VACANT: 4,
        S.CUSTODY: 1,
    },
    Usage.SHOP: {S.RENTED: 55, S.OFFICE: 20, S.VACANT: 15, S.NOT_HANDED_OVER: 10},
    Usage.OFFICE: {S.OFFICE: 60, S.RENTED: 25, S.VACANT: 15},
    Usage.STORAGE: {S.OWNER_OCCUPIED: 70, S.VACANT: 30},
}
_PATHS = {
    S.NOT_HANDED_OVER: (S.NOT_HANDED_OVER,),
    S.HANDED_OVER: (S.NOT_HANDED_OVER, S.HANDED_OVER),
    S.VACANT: (S.NOT_HANDED_OVER, S.HANDED_OVER, S.VACANT),
    S.CUSTODY: (S.NOT_HANDED_OVER, S.HANDED_OVER, S.CUSTODY),
    S.DECORATING: (S.NOT_HANDED_OVER, S.HANDED_OVER, S.DECORATING),
    S.OWNER_OCCUPIED: (S.NOT_HANDED_OVER, S.HANDED_OVER, S.DECORATING, S.OWNER_OCCUPIED),
    S.RENTED: (S.NOT_HANDED_OVER, S.HANDED_OVER, S.DECORATING, S.RENTED),
    S.OFFICE: (S.NOT_HANDED_OVER, S.HANDED_OVER, S.DECORATING, S.OFFICE),
}
_REASONS = {
    S.NOT_HANDED_OVER: "建档",
    S.HANDED_OVER: "办理入伙手续，钥匙已交付（MOV-3）",
    S.DECORATING: "装修申请已审批，开始装修",
    S.OWNER_OCCUPIED: "装修完工验收，业主入住",
    S.RENTED: "业主出租，租户已登记",
    S.VACANT: "业主暂未入住，房屋空置",
    S.CUSTODY: "业主委托物业代管，已签托管协议",
    S.OFFICE: "装修完工，用作办公",
}
_GAPS = {  # days after the previous step
    S.DECORATING: (10, 120),
    S.OWNER_OCCUPIED: (60, 180),
    S.RENTED: (60, 240),
    S.OFFICE: (45, 120),
    S.VACANT: (30, 400),
    S.CUSTODY: (60, 700),
}
_DECORATION_ITEMS = {"房屋装饰装修管理协议", "装修开工申请表", "装修人员登记表", "装修承诺书", "装修缴费通知单"}
_RESIDENT_ONLY_ITEMS = {"住户成员情况登记表"}


@dataclass
class _HouseFacts:
    house: House
    usage: str
    status: str
    steps: list[tuple[str, dt.date]]
    decorated: bool

    def date_of(self, status: str) -> dt.date | None:
        return next((day for step, day in self.steps if step == status), None)


@dataclass
class _Tie:
    person: Person
    role: str
    start: dt.date
    end: dt.date | None = None
    end_reason: str = ""
    primary: bool = False


@dataclass
class SeedReport:
    scale: str
    counts: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def summary(self) -> str:
        labels = (
            ("estate.Project", "项目"),
            ("estate.Building", "楼栋"),
            ("estate.House", "房屋"),
            ("estate.HouseStatusChange", "状态变更"),
            ("residents.Person", "人员"),
            ("residents.Occupancy", "入住登记"),
            ("residents.ArchiveItem", "档案项"),
            ("residents.ArchiveLoan", "借阅"),
            ("estate.ParkingSpace", "车位"),
            ("accounts.User", "账号"),
        )
        if self.counts["desk.Ticket"]:
            labels += (("desk.Contact", "来电来访"), ("desk.Ticket", "工单"))
        if self.counts["billing.Bill"]:
            labels += (("billing.Bill", "账单"), ("billing.Payment", "收款"))
        parts = ", ".join(f"{self.counts[key]:,} {label}" for key, label in labels)
        return f"演示数据已生成（{self.scale}）：{parts}；用时 {self.seconds:.1f} 秒。"


# --- writing -------------------------------------------------------------------------------


def _has_history(model: type[models.Model]) -> bool:
    return bool(getattr(model._meta, "simple_history_manager_attribute", None))


def _surname_of(name: str) -> str | None:
    if not name or name.isascii():
        return None
    return name[:2] if name[:2] in _COMPOUND_SURNAMES else name[0]


class _Writer:
    """Writes generated rows in batches and gives them their primary keys: bulk_create
    (with simple_history rows when `history`), or COPY on PostgreSQL (ids reserved from
    the table's sequence first, so children can point at their parents)."""

    def __init__(self, *, history: bool, use_copy: bool, batch_size: int, report: SeedReport):
        self.history = history
        self.use_copy = use_copy
        self.batch_size = batch_size
        self.report = report
        self.now = timezone.now()

    def write(self, model: type[models.Model], objs: Sequence[models.Model]) -> None:
        if not objs:
            return
        if self.use_copy:
            self._copy(model, objs)
        elif self.history and _has_history(model):
            bulk_create_with_history(
                list(objs), model, batch_size=self.batch_size, default_change_reason=CHANGE_REASON, default_date=self.now
            )
        else:
            model.objects.bulk_create(objs, batch_size=self.batch_size)
        self.report.counts[model._meta.label] += len(objs)

    def _copy(self, model: type[models.Model], objs: Sequence[models.Model]) -> None:
        meta = model._meta
        fields = meta.concrete_fields
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [meta.db_table, meta.pk.column])
            (sequence,) = cursor.fetchone()
            cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, len(objs)])
            for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = pk
            getters = [self._getter(f) for f in fields]
            columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
            with cursor.copy(f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN") as copy:
                for obj in objs:
                    copy.write_row([get(obj) for get in getters])
        for obj in objs:
            obj._state.adding = False
            obj._state.db = connection.alias

    def _getter(self, f: models.Field) -> Callable[[models.Model], object]:
        attname = f.attname
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            now = self.now
            return lambda obj: getattr(obj, attname) or now
        if isinstance(f, models.FileField):
            return lambda obj: getattr(obj, attname).name or ""
        return lambda obj: getattr(obj, attname)


# --- the generator -------------------------------------------------------------------------


class _Generator:
    def __init__(self, plan: ScalePlan, writer: _Writer, progress: Callable[[str], None] | None):
        self.plan = plan
        self.writer = writer
        self.progress = progress or (lambda _message: None)
        self.rng = random.Random(SEED)
        self.mobiles: set[str] = set()
        self.id_numbers: set[str] = set()
        self.tz = timezone.get_current_timezone()
        self.resident_person: Person | None = None
        self.projects: list[Project] = []
        self.staff_users: dict[tuple[str, int], User] = {}

    # people ---------------------------------------------------------------------------

    def surname(self) -> str:
        return self.rng.choices(_SURNAME_CHOICES, cum_weights=_SURNAME_CUM)[0]

    def given_name(self, gender: str, year: int) -> str:
        era = 0 if year < 1970 else 1 if year < 1990 else 2
        singles, wholes, firsts, seconds = _GIVEN[(gender, era)]
        r = self.rng.random()
        if r < (0.35, 0.35, 0.15)[era]:
            return self.rng.choice(singles)
        if r < 0.7:
            start = 2 * self.rng.randrange(len(wholes) // 2)
            return wholes[start : start + 2]
        return self.rng.choice(firsts) + self.rng.choice(seconds)

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(_MOBILE_PREFIXES) + f"{self.rng.randrange(100_000_000):08d}"
            if number not in self.mobiles:
                self.mobiles.add(number)
                return number

    def birthday(self, age: int) -> dt.date:
        day = dt.date(AS_OF.year - age, 1, 1) + dt.timedelta(days=self.rng.randrange(365))
        return day if day <= AS_OF else day.replace(year=day.year - 1)

    def resident_id(self, birthday: dt.date, gender: str) -> str:
        region = self.rng.choices(_REGION_CODES, weights=_REGION_WEIGHTS)[0]
        while True:
            sex_digit = self.rng.choice("13579" if gender == "M" else "02468")
            first17 = f"{region}{birthday:%Y%m%d}{self.rng.randrange(100):02d}{sex_digit}"
            number = first17 + check_character(first17)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    def foreign_document(self, prefix: str, digits: int) -> str:
        while True:
            number = prefix + "".join(self.rng.choice("0123456789") for _ in range(digits))
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    def person(self, project: Project, *, gender: str, age: int, surname: str | None = None) -> Person:
        rng = self.rng
        age = max(1, min(age, 98))
        birthday = self.birthday(age)
        name = (surname or self.surname()) + self.given_name(gender, birthday.year)
        roll = rng.random()
        if roll < 0.010 and age >= 18:
            if rng.random() < 0.3:
                name = rng.choice(_FOREIGN_NAMES)
                id_type, id_number = IdType.PASSPORT, self.foreign_document("P", 8)
            else:
                id_type, id_number = IdType.PASSPORT, self.foreign_document("E", 8)  # 中国护照, overseas
        elif roll < 0.018:
            id_type, id_number = IdType.HK_MACAO, self.foreign_document(rng.choice("HHHM"), 8)
        else:
            id_type, id_number = IdType.RESIDENT_ID, self.resident_id(birthday, gender)
        has_mobile = age >= 14 and not (age > 78 and rng.random() < 0.5) and rng.random() < 0.98
        return Person(
            project_id=project.pk,
            name=name,
            gender=gender,
            birthday=birthday,
            mobile=self.mobile() if has_mobile else "",
            other_phones=f"0571-8{rng.randrange(10_000_000):07d}" if rng.random() < 0.04 else "",
            id_type=id_type,
            id_number=id_number,
        )

    def adult(self, project: Project, low: int, high: int, gender: str | None = None) -> Person:
        return self.person(project, gender=gender or self.rng.choice("MF"), age=self.rng.randint(low, high))

    # dates ----------------------------------------------------------------------------

    def day_between(self, start: dt.date, end: dt.date) -> dt.date:
        if end <= start:
            return start
        return start + dt.timedelta(days=self.rng.randint(0, (end - start).days))

    def moment(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(self.rng.randint(8, 17), self.rng.randrange(60)), tzinfo=self.tz)

    # estate ---------------------------------------------------------------------------

    def run(self, report: SeedReport) -> None:
        company = Company.objects.filter(name=COMPANY_NAME).first() or Company.objects.create(name=COMPANY_NAME)
        projects = [
            project_create(company=company, code=p.code, name=p.name, address=p.address, service_phone="0571-8888" + f"{i:04d}")
            for i, p in enumerate(self.plan.projects, start=1)
        ]
        report.counts["estate.Project"] += len(projects)
        calendar_create_default(name="公司默认工作日历")  # Mon–Fri 08:30–12:00/13:30–17:30, this year and next
        sla_install_presets(variant="002")  # CMP-6 policy "002", REP-2/3, DESK-3/4/6
        visit_policies_install()  # CMP-9 "002", REP-8 standard, VIS-3/4: visits scheduled as tickets close
        staff = self.staff(projects, report)
        started = time.monotonic()
        for index, (plan, project) in enumerate(zip(self.plan.projects, projects, strict=True)):
            desk = staff.get(("assistant", index))
            self.project(plan, project, index=index, desk=desk, archivist=staff.get(("archivist", index)) or desk)
            if index < 2:
                self.loans(project, staff, index)
            self.progress(
                f"[{index + 1}/{len(projects)}] {project.name}: {report.counts['estate.House']:,} 房屋, "
                f"{report.counts['residents.Person']:,} 人员 累计 ({time.monotonic() - started:.0f}s)"
            )
        self.resident_login(report)
        self.projects, self.staff_users = projects, staff
        if self.plan.name in BULK_TICKETS:
            return  # their history is written in bulk by `seed` (demo_history)
        self.desk(projects, staff, report)
        for name, seeder in DEMO_MODULES:  # each module's own demo, through its services
            started = time.monotonic()
            for key, count in import_string(seeder)(projects=projects, staff=staff, rng=self.rng).items():
                report.counts[key] += count
            self.progress(f"{name} ({time.monotonic() - started:.1f}s)")

    def history(self, report: SeedReport, *, parallel: bool) -> None:
        """The bulk (medium, large) scales: tickets over 24 months and a year of bills,
        written with COPY — the desk and billing services take milliseconds a row."""
        from propdesk.core.demo_history import load_history

        loaded = load_history(
            tickets=BULK_TICKETS[self.plan.name],
            projects=self.projects,
            staff=self.staff_users,
            progress=self.progress,
            parallel=parallel,
            prepare=_skip_foreign_key_triggers,
        )
        report.counts["desk.Ticket"] += loaded.tickets.tickets
        report.counts["accounts.User"] += loaded.tickets.staff_created
        self.progress(f"服务台: {loaded.tickets.summary()}")
        for key, count in loaded.bills.counts.items():
            report.counts[key] += count
        self.progress(f"收费: {loaded.bills.summary()}")

    def desk(self, projects: list[Project], staff: dict[tuple[str, int], User], report: SeedReport) -> None:
        """Contacts and tickets of the last days (see `_DeskDemo`), then one SLA sweep so
        that the deadlines the back-dated tickets have passed are recorded as breaches."""
        started = time.monotonic()

        def of(index: int) -> dict[str, User]:
            return {role: user for (role, i), user in staff.items() if i == index}

        _DeskDemo(self.rng, projects[0], of(0), report, resident=self.resident_person).run_first()
        if len(projects) > 1 and ("assistant", 1) in staff:
            _DeskDemo(self.rng, projects[1], of(1), report).run_second()
        report.counts["sla.breached"] += sla_sweep().breached
        self.progress(
            f"服务台: {report.counts['desk.Contact']} 来电来访, {report.counts['desk.Ticket']} 工单 "
            f"({time.monotonic() - started:.1f}s)"
        )

    def staff(self, projects: list[Project], report: SeedReport) -> dict[tuple[str, int], User]:
        password = make_password(DEMO_PASSWORD)  # hashed once: the hasher is slow on purpose
        users: dict[tuple[str, int], User] = {}
        for login in DEMO_LOGINS:
            user, created = User.objects.get_or_create(
                username=login.username,
                defaults={
                    "password": password,
                    "display_name": login.display_name,
                    "mobile": self.mobile(),
                    "kind": User.Kind.STAFF,
                    "is_staff": login.role == Role.ADMIN,
                    "is_superuser": login.role == Role.ADMIN,
                },
            )
            report.counts["accounts.User"] += created
            project = None if login.project_index is None else projects[login.project_index]
            Membership.objects.get_or_create(user=user, project=project, role=login.role)
            if login.project_index is not None:
                users.setdefault((str(login.role), login.project_index), user)
        return users

    def project(self, plan: ProjectPlan, project: Project, *, index: int, desk: User | None, archivist: User | None) -> None:
        facts = self.houses(plan, project)
        self.status_changes(project, facts, desk)
        self.occupants(plan, project, facts, first_project=index == 0)
        self.archive(project, facts, archivist, checklist=plan.archive_checklist)
        self.parking(plan, project, facts)

    def houses(self, plan: ProjectPlan, project: Project) -> list[_HouseFacts]:
        rng = self.rng
        layout: list[tuple[Building, int, list[tuple[int, ...]]]] = []
        total, number = 0, 0
        while total < plan.target_houses:
            number += 1
            floors = rng.choice(plan.floor_choices)
            # per entrance: the areas of its units on a floor (the same unit type on every floor)
            units = []
            for _entrance in range(2):
                per_floor = rng.choice((2, 2, 3, 4))
                units.append(tuple(rng.choice((68, 76, 89, 95, 105, 118, 128, 143, 160, 176)) for _ in range(per_floor)))
            total += floors * sum(len(u) for u in units)
            layout.append((Building(project=project, number=str(number), name=f"{number}栋", floors=floors), floors, units))
        self.writer.write(Building, [b for b, _f, _u in layout])
        entrances = {}
        for building, _floors, _units in layout:
            for e in ("1", "2"):
                entrances[(building.number, e)] = Entrance(project=project, building=building, number=e)
        self.writer.write(Entrance, list(entrances.values()))

        facts: list[_HouseFacts] = []
        for building_index, (building, floors, units) in enumerate(layout):
            for e_index, areas in enumerate(units):
                entrance = entrances[(building.number, str(e_index + 1))]
                if building_index == 0 and e_index == 0:
                    for n in range(1, plan.storage_rooms + 1):
                        area = Decimal(rng.randint(800, 2400)) / 100
                        facts.append(self.house(plan, project, building, entrance, f"B{n:02d}", -1, area, Usage.STORAGE))
                for floor in range(1, floors + 1):
                    for unit, base in enumerate(areas, start=1):
                        usage = Usage.RESIDENTIAL
                        if floor == 1 and building_index < plan.shop_buildings:
                            usage = Usage.SHOP
                        elif floor == 2 and building_index == 0 and plan.mature:
                            usage = Usage.OFFICE
                        area = Decimal(base * 100 + rng.randint(-250, 250)) / 100
                        facts.append(self.house(plan, project, building, entrance, f"{floor}{unit:02d}", floor, area, usage))
        self.writer.write(House, [f.house for f in facts])
        return facts

    def house(
        self,
        plan: ProjectPlan,
        project: Project,
        building: Building,
        entrance: Entrance,
        room: str,
        floor: int,
        area: Decimal,
        usage: str,
    ) -> _HouseFacts:
        rng = self.rng
        mix = _MIX[usage] if usage != Usage.RESIDENTIAL else _MIX["mature" if plan.mature else "new"]
        status = rng.choices(tuple(mix), weights=tuple(mix.values()))[0]
        steps = self.timeline(plan, usage, status)
        handover = steps[1][1] if len(steps) > 1 else None
        sold = not (status == S.NOT_HANDED_OVER and rng.random() < 0.4)
        notes = ""
        if status == S.CUSTODY:
            notes = "钥匙存放于客服中心钥匙柜，托管期间每月巡查一次"
        elif status == S.VACANT and rng.random() < 0.3:
            notes = "业主长期在外地，有事请电话联系"
        elif not sold:
            notes = "开发商未售房源"
        house = House(
            project=project,
            building=building,
            entrance=entrance,
            room=room,
            code=format_house_code(building.number, entrance.number, room),
            floor=floor,
            area=area,
            usage=usage,
            sold=sold,
            handover_date=handover,
            status=status,
            notes=notes,
        )
        decorated = any(step == S.DECORATING for step, _day in steps)
        return _HouseFacts(house, usage, status, steps, decorated)

    def timeline(self, plan: ProjectPlan, usage: str, status: str) -> list[tuple[str, dt.date]]:
        rng = self.rng
        path = list(_PATHS[status])
        if usage == Usage.STORAGE:
            path = [s for s in path if s != S.DECORATING]
        if status == S.RENTED and plan.mature and rng.random() < 0.4:
            path.insert(-1, S.OWNER_OCCUPIED)  # lived there first, then let it
        built = plan.first_handover - dt.timedelta(days=120)
        steps = [(S.NOT_HANDED_OVER, built)]
        if len(path) == 1:
            return steps
        last = AS_OF - dt.timedelta(days=len(path) * 3)
        if status in (S.HANDED_OVER, S.DECORATING) and plan.mature:
            handover = self.day_between(max(plan.first_handover, AS_OF - dt.timedelta(days=400)), last)
        elif rng.random() < 0.8:
            handover = self.day_between(plan.first_handover, min(last, plan.first_handover + dt.timedelta(days=180)))
        else:
            handover = self.day_between(plan.first_handover, min(last, plan.first_handover + dt.timedelta(days=730)))
        steps.append((S.HANDED_OVER, handover))
        day = handover
        for position, step in enumerate(path[2:], start=3):
            low, high = _GAPS[step]
            if step == S.DECORATING and status == S.DECORATING:
                low, high = 5, 150  # decorating now: started within the last months
                day = max(day + dt.timedelta(days=3), AS_OF - dt.timedelta(days=rng.randint(low, high)))
            else:
                day = day + dt.timedelta(days=rng.randint(low, high))
            day = min(day, AS_OF - dt.timedelta(days=(len(path) - position) * 3 + 1))
            steps.append((step, day))
        return steps

    def status_changes(self, project: Project, facts: list[_HouseFacts], desk: User | None) -> None:
        rows = []
        for fact in facts:
            previous = ""
            for position, (status, day) in enumerate(fact.steps):
                rows.append(
                    HouseStatusChange(
                        project_id=project.pk,
                        house_id=fact.house.pk,
                        from_status=previous,
                        to_status=status,
                        reason=_REASONS[status] if position else "建档（开发商移交房屋清单）",
                        changed_by_id=desk.pk if desk and position else None,
                        changed_at=self.moment(day),
                    )
                )
                previous = status
        self.writer.write(HouseStatusChange, rows)

    # residents ------------------------------------------------------------------------

    def occupants(self, plan: ProjectPlan, project: Project, facts: list[_HouseFacts], *, first_project: bool) -> None:
        households: list[tuple[_HouseFacts, list[_Tie]]] = []
        owners: list[Person] = []
        storage: list[_HouseFacts] = []
        for fact in facts:
            if fact.usage == Usage.STORAGE:
                storage.append(fact)
                continue
            ties = self.household(plan, project, fact)
            households.append((fact, ties))
            owners.extend(t.person for t in ties if t.role == OccupantRole.OWNER and t.end is None)
            primary = next((t.person for t in ties if t.primary), None)
            if (
                first_project
                and self.resident_person is None
                and primary is not None
                and fact.status == S.OWNER_OCCUPIED
                and fact.usage == Usage.RESIDENTIAL
                and primary.id_type == IdType.RESIDENT_ID
                and primary.mobile
            ):
                self.resident_person = primary
        for fact in storage:  # 车库储藏 belong to owners of a flat in the same compound
            if owners:
                handover = fact.date_of(S.HANDED_OVER) or AS_OF
                owner = self.rng.choice(owners)
                households.append((fact, [_Tie(owner, OccupantRole.OWNER, handover, primary=True)]))
        persons: dict[int, Person] = {}
        for _fact, ties in households:
            for tie in ties:
                persons.setdefault(id(tie.person), tie.person)
        for person in persons.values():
            person_search_keys(person)
        self.writer.write(Person, list(persons.values()))
        occupancies = [
            Occupancy(
                project_id=project.pk,
                house_id=fact.house.pk,
                person_id=tie.person.pk,
                role=tie.role,
                start_date=tie.start,
                end_date=tie.end,
                end_reason=tie.end_reason,
                is_primary_contact=tie.primary,
            )
            for fact, ties in households
            for tie in ties
        ]
        self.writer.write(Occupancy, occupancies)

    def owners(self, project: Project, *, mature: bool) -> list[Person]:
        """An owner and, often, a spouse as co-owner (wives keep their surname)."""
        rng = self.rng
        low, high = (35, 75) if mature else (26, 60)
        owner = self.adult(project, low, high, gender="M" if rng.random() < 0.62 else "F")
        people = [owner]
        if rng.random() < 0.38:
            age = AS_OF.year - owner.birthday.year + rng.randint(-4, 4)
            spouse = self.person(project, gender="F" if owner.gender == "M" else "M", age=age)
            people.append(spouse)
        for a, b in zip(people, people[1:] + people[:1], strict=True):
            if a is not b:
                a.emergency_contact, a.emergency_phone = b.name, b.mobile
        if len(people) == 1 and rng.random() < 0.7:
            owner.emergency_contact = self.surname() + self.given_name(rng.choice("MF"), 1980)
            owner.emergency_phone = rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"
        return people

    def household(self, plan: ProjectPlan, project: Project, fact: _HouseFacts) -> list[_Tie]:
        rng = self.rng
        status = fact.status
        ties: list[_Tie] = []
        if status == S.NOT_HANDED_OVER:
            if fact.house.sold:
                contract = self.day_between(plan.first_handover - dt.timedelta(days=400), min(AS_OF, plan.first_handover))
                for i, person in enumerate(self.owners(project, mature=False)):
                    ties.append(_Tie(person, OccupantRole.OWNER if i == 0 else OccupantRole.CO_OWNER, contract, primary=i == 0))
            return ties
        handover = fact.date_of(S.HANDED_OVER) or AS_OF
        owner_start = handover
        transfer = (
            plan.mature
            and status in (S.OWNER_OCCUPIED, S.RENTED, S.VACANT)
            and rng.random() < 0.07
            and handover + dt.timedelta(days=400) < AS_OF - dt.timedelta(days=60)
        )
        if transfer:  # MOV-13: the old owners are ended as transferred, history kept
            owner_start = self.day_between(handover + dt.timedelta(days=365), AS_OF - dt.timedelta(days=30))
            for i, person in enumerate(self.owners(project, mature=True)):
                role = OccupantRole.OWNER if i == 0 else OccupantRole.CO_OWNER
                ties.append(_Tie(person, role, handover, owner_start, OccupancyEnd.TRANSFERRED))
        owners = self.owners(project, mature=plan.mature)
        for i, person in enumerate(owners):
            ties.append(_Tie(person, OccupantRole.OWNER if i == 0 else OccupantRole.CO_OWNER, owner_start, primary=i == 0))
        owner = owners[0]
        lived = max(owner_start, fact.date_of(S.OWNER_OCCUPIED) or owner_start)
        if status == S.OWNER_OCCUPIED and fact.usage == Usage.RESIDENTIAL:
            owner_age = AS_OF.year - owner.birthday.year
            father = next((p for p in owners if p.gender == "M"), owner)  # children take the father's surname
            family_name = _surname_of(father.name)
            for _child in range(rng.choice((0, 0, 1, 1, 1, 2))):
                age = owner_age - rng.randint(24, 36)
                if age < 1:
                    continue
                child = self.person(project, gender=rng.choice("MF"), age=age, surname=family_name)
                if age >= 22 and rng.random() < 0.15:  # grown up and moved out (MOV-11)
                    moved = self.day_between(lived + dt.timedelta(days=30), AS_OF - dt.timedelta(days=10))
                    ties.append(_Tie(child, OccupantRole.FAMILY, lived, moved, OccupancyEnd.DEREGISTERED))
                else:
                    ties.append(_Tie(child, OccupantRole.FAMILY, lived))
            if rng.random() < 0.2 and owner_age < 62:
                parent = self.person(project, gender=rng.choice("MF"), age=owner_age + rng.randint(24, 32))
                ties.append(_Tie(parent, OccupantRole.FAMILY, self.day_between(lived, AS_OF)))
            if rng.random() < 0.03:
                ties.append(_Tie(self.adult(project, 40, 58, gender="F"), OccupantRole.HELPER, self.day_between(lived, AS_OF)))
        elif status == S.RENTED:
            let = fact.date_of(S.RENTED) or handover
            let = max(let, owner_start)
            if rng.random() < 0.35 and let + dt.timedelta(days=400) < AS_OF:  # an earlier lease, ended
                turnover = self.day_between(let + dt.timedelta(days=365), AS_OF - dt.timedelta(days=20))
                for _ in range(rng.randint(1, 2)):
                    ties.append(_Tie(self.adult(project, 22, 45), OccupantRole.TENANT, let, turnover, OccupancyEnd.LEASE_ENDED))
                let = turnover
            count = 1 if fact.usage == Usage.SHOP else rng.choice((1, 1, 2, 2, 3))
            for _ in range(count):
                ties.append(_Tie(self.adult(project, 22, 45), OccupantRole.TENANT, let))
            if fact.usage == Usage.SHOP and rng.random() < 0.5:
                ties.append(_Tie(self.adult(project, 20, 40), OccupantRole.OFFICE_STAFF, let))
        elif status == S.OFFICE:
            since = max(owner_start, fact.date_of(S.OFFICE) or owner_start)
            for _ in range(rng.randint(1, 2)):
                ties.append(_Tie(self.adult(project, 23, 45), OccupantRole.OFFICE_STAFF, since))
        elif status in (S.VACANT, S.CUSTODY):
            if plan.mature and rng.random() < 0.15 and owner_start + dt.timedelta(days=200) < AS_OF:
                start = self.day_between(owner_start, AS_OF - dt.timedelta(days=200))
                end = self.day_between(start + dt.timedelta(days=90), AS_OF - dt.timedelta(days=10))
                ties.append(_Tie(self.adult(project, 22, 45), OccupantRole.TENANT, start, end, OccupancyEnd.LEASE_ENDED))
            if rng.random() < 0.06:
                ties.append(_Tie(self.adult(project, 18, 70), OccupantRole.RELATIVE, self.day_between(owner_start, AS_OF)))
        return ties

    # archive, parking, loans ------------------------------------------------------------

    def archive(self, project: Project, facts: list[_HouseFacts], archivist: User | None, *, checklist: bool) -> None:
        rng = self.rng
        types = list(ArchiveItemType.objects.filter(project=project).order_by("order", "id")) if checklist else []
        archivist_id = archivist.pk if archivist else None
        items, papers = [], []
        for fact in facts:
            handover = fact.date_of(S.HANDED_OVER)
            if handover is None:
                continue
            for item_type in types:
                not_applicable = (item_type.name in _DECORATION_ITEMS and not fact.decorated) or (
                    item_type.name in _RESIDENT_ONLY_ITEMS and fact.usage != Usage.RESIDENTIAL
                )
                roll = rng.random()
                if not_applicable:
                    status, note = ArchiveItemStatus.NOT_APPLICABLE, ""
                elif roll < 0.9:
                    status, note = ArchiveItemStatus.RECEIVED, ""
                elif roll < 0.93:
                    status, note = ArchiveItemStatus.MISSING, "已电话通知业主补交"
                else:
                    continue  # no row: missing
                day = self.day_between(handover, min(AS_OF, handover + dt.timedelta(days=60)))
                items.append(
                    ArchiveItem(
                        project_id=project.pk,
                        house_id=fact.house.pk,
                        item_type_id=item_type.pk,
                        status=status,
                        note=note,
                        updated_by_id=archivist_id,
                        updated_at=self.moment(day),
                    )
                )
            if rng.random() < 0.9:
                house = fact.house
                papers.append(
                    PaperArchive(
                        project_id=project.pk,
                        house_id=house.pk,
                        cabinet=f"{int(house.building.number):02d}号柜",
                        box=f"{house.entrance.number}单元第{max(1, (house.floor - 1) // 5 + 1)}盒",
                        folder=house.code,
                        updated_by_id=archivist_id,
                        updated_at=self.moment(handover),
                    )
                )
        self.writer.write(ArchiveItem, items)
        self.writer.write(PaperArchive, papers)

    def parking(self, plan: ProjectPlan, project: Project, facts: list[_HouseFacts]) -> None:
        rng = self.rng
        homes = [f.house for f in facts if f.usage == Usage.RESIDENTIAL and f.status != S.NOT_HANDED_OVER]
        spaces = []
        count = int(len(facts) * plan.parking_ratio)
        visitor = 0
        for n in range(1, count + 1):
            kind = rng.choices((ParkingKind.OWNED, ParkingKind.RENTED, ParkingKind.VISITOR), weights=(45, 40, 15))[0]
            if kind == ParkingKind.VISITOR:
                visitor += 1
                code, zone, house = f"D-{visitor:03d}", "地面临时车位", None
            else:
                zone_letter = "ABCDEFGH"[min(7, (n - 1) // 150)]
                code, zone = f"B1-{zone_letter}{n:04d}", f"地下一层{zone_letter}区"
                bound = bool(homes) and (kind == ParkingKind.OWNED or rng.random() < 0.7)
                house = rng.choice(homes) if bound else None
            house_id = house.pk if house else None
            spaces.append(ParkingSpace(project_id=project.pk, code=code, zone=zone, kind=kind, house_id=house_id))
        self.writer.write(ParkingSpace, spaces)

    def loans(self, project: Project, staff: dict[tuple[str, int], User], index: int) -> None:
        """A few archive loans (ARC-5), dated from today so the overdue one is overdue."""
        desk = staff.get(("assistant", index))
        boss = staff.get(("supervisor", index))
        if desk is None:
            return
        houses = list(House.objects.filter(project=project).exclude(status=S.NOT_HANDED_OVER).order_by("id")[:400])
        if not houses:
            return
        picks = self.rng.sample(houses, k=min(6, len(houses)))
        now = timezone.now()
        today = timezone.localdate()
        specs = (
            (LoanStatus.REQUESTED, "房屋结构图", "工程部 李建平", "工程部", "核对管线走向（楼上漏水维修）", 7, None, None),
            (LoanStatus.APPROVED, "入伙会签单；业主身份证复印件", "财务部 王芳", "财务部", "核对产权人信息", 5, 1, None),
            (LoanStatus.LENT, "房屋装饰装修管理协议；装修承诺书", "保安 孙海涛", "秩序维护部", "装修违规整改核查", 10, 3, 1),
            (LoanStatus.LENT, "住户成员情况登记表", "工程部 陈刚", "工程部", "水电表过户资料核对", -5, 25, 20),
            (LoanStatus.RETURNED, "接管验收记录", "工程部 李建平", "工程部", "保修期内维修核对", -20, 40, 35),
            (LoanStatus.REJECTED, "业主身份证复印件", "外部中介 刘某", "", "房屋买卖中介要求查阅", 3, 2, None),
        )
        if boss is None:  # nobody here may approve (ARC-5): only a pending request
            specs = specs[:1]
        loans = []
        for house, (status, items, borrower, dept, purpose, due_in, decided_ago, lent_ago) in zip(picks, specs, strict=False):
            decided = now - dt.timedelta(days=decided_ago) if decided_ago is not None else None
            loan = ArchiveLoan(
                project=project,
                house=house,
                items=items,
                borrower_name=borrower,
                borrower_department=dept,
                purpose=purpose,
                due_date=today + dt.timedelta(days=due_in),
                status=status,
                requested_by=desk,
                decided_by=boss if decided else None,
                decided_at=decided,
                decision_note="客户资料保密，不得向第三方提供（ARC-5）" if status == LoanStatus.REJECTED else "",
                lent_at=now - dt.timedelta(days=lent_ago) if lent_ago is not None else None,
            )
            if status == LoanStatus.RETURNED:
                loan.returned_at, loan.returned_to = now - dt.timedelta(days=21), desk
            loans.append(loan)
        self.writer.write(ArchiveLoan, loans)

    def resident_login(self, report: SeedReport) -> None:
        person = self.resident_person
        if person is None:
            return
        user, created = User.objects.get_or_create(
            username=RESIDENT_USERNAME,
            defaults={
                "password": make_password(DEMO_PASSWORD),
                "kind": User.Kind.RESIDENT,
                "display_name": person.name,
                "mobile": person.mobile,
            },
        )
        report.counts["accounts.User"] += created
        Person.objects.filter(pk=person.pk).update(account=user)


# --- service desk --------------------------------------------------------------------------
# Contacts and tickets of the last days for the first project (a few for the second), made
# through the desk services so that timelines, complaint classification, work orders and
# SLA clocks are the real ones. Dated from now (like the loans), so the overdue ones are
# overdue whenever the demo runs. Small and default scales only (see `_Generator.run`).

# The first project's published price list (有偿服务价目表, REP-4/DESK-8).
_PRICE_LIST = (
    (PriceKind.LABOUR, RepairTrade.PLUMBING, "更换水龙头", "次", "30.00"),
    (PriceKind.LABOUR, RepairTrade.PLUMBING, "疏通下水道", "次", "80.00"),
    (PriceKind.LABOUR, RepairTrade.PLUMBING, "更换角阀", "个", "20.00"),
    (PriceKind.LABOUR, RepairTrade.ELECTRICAL, "更换灯管", "根", "20.00"),
    (PriceKind.LABOUR, RepairTrade.ELECTRICAL, "更换开关插座", "个", "15.00"),
    (PriceKind.LABOUR, RepairTrade.DOOR_WINDOW, "更换推拉门滑轮", "扇", "50.00"),
    (PriceKind.LABOUR, RepairTrade.DOOR_WINDOW, "更换门锁锁芯", "把", "40.00"),
    (PriceKind.MATERIAL, RepairTrade.PLUMBING, "水龙头(普通)", "个", "45.00"),
    (PriceKind.MATERIAL, RepairTrade.PLUMBING, "角阀", "个", "18.00"),
    (PriceKind.MATERIAL, RepairTrade.PLUMBING, "生料带", "卷", "3.00"),
    (PriceKind.MATERIAL, RepairTrade.ELECTRICAL, "LED灯管(T8 1.2米)", "根", "25.00"),
    (PriceKind.MATERIAL, RepairTrade.ELECTRICAL, "开关插座面板", "个", "12.00"),
    (PriceKind.MATERIAL, RepairTrade.DOOR_WINDOW, "推拉门滑轮", "个", "15.00"),
    (PriceKind.MATERIAL, RepairTrade.DOOR_WINDOW, "C级防盗锁芯", "个", "120.00"),
)

# The special services the company offers (特约服务, DESK-8): (department, name, unit, price, what is done).
_SERVICES = (
    (Department.CLEANING, "开荒保洁", "平方米", "6.00", "装修后首次全面清洁：除胶、除尘、擦玻璃、清洁厨卫"),
    (Department.CLEANING, "家政保洁（2 小时）", "次", "100.00", "日常家居清洁，1 名保洁员 2 小时"),
    (Department.CLEANING, "挂机空调清洗", "台", "80.00", "拆洗过滤网、蒸发器杀菌清洗"),
    (Department.ENGINEERING, "热水器安装", "台", "120.00", "燃气或电热水器安装调试，不含材料"),
    (Department.SECURITY, "搬家协助（货梯保护、临时停车）", "次", "0.00", "货梯加装防护板、安排搬家车临时停靠（便民服务，免费）"),
    (Department.CUSTOMER_SERVICE, "代收代寄快递", "件", "0.00", "业主外出期间代收快递，凭短信领取（便民服务，免费）"),
)

# Nearby providers for what the company does not offer (周边便民服务商, DESK-8).
_PROVIDERS = (
    ("鑫家搬家公司", "搬家、长途货运", "0571-88776655", "文三路 88 号"),
    ("安心开锁服务部", "开锁、换锁（公安备案）", "0571-86661234", "学院路 12 号"),
    ("小张家电维修", "家电维修（冰箱、洗衣机、电视）", "13958001122", "古墩路菜市场东门"),
)

# Contacts answered on the spot (DESK-1): (how long ago, channel, what was asked, the answer).
_ANSWERED = (
    (
        (5, 3),
        Channel.PHONE,
        "咨询物业费有哪些缴费方式，能不能在手机上交。",
        "可在“阳光物业”微信公众号“生活缴费”在线缴纳，也可到客服中心刷卡、扫码缴费；按年缴纳享 95 折。",
    ),
    (
        (4, 1),
        Channel.VISIT,
        "新房准备装修，咨询需要办理哪些手续。",
        "请携带房产证或购房合同、业主身份证、装修图纸和装修公司营业执照复印件到客服中心办理装修申请，"
        "签订《房屋装饰装修管理协议》并缴纳装修押金，审批通过后领取装修施工证；施工时间为工作日 8:00–12:00、14:00–18:00。",
    ),
    (
        (3, 5),
        Channel.ONLINE,
        "微信留言：门禁卡丢了，怎么补办？",
        "请业主本人携带身份证到客服中心办理，工本费 20 元/张，当场补办，原卡同时注销。",
    ),
    (
        (2, 4),
        Channel.PHONE,
        "询问本周是否有停水安排。",
        "因二次供水水箱清洗消毒，本周四 9:00–15:00 全小区停水，通知已张贴在各单元大堂并在业主群发布，请提前储水。",
    ),
    (
        (1, 7),
        Channel.PHONE,
        "咨询地面停车位月租费用和办理方式。",
        "地面车位月租 150 元，地下车位月租 300 元；携带行驶证、身份证到客服中心登记，车牌录入道闸系统后即可使用。",
    ),
    (
        (0, 20),
        Channel.ONLINE,
        "微信留言：厨余垃圾几点可以投放？",
        "定时定点投放：每天 7:00–9:00、18:00–20:00，投放点在各栋楼北侧垃圾分类亭，其余时间请投放至南门集中点。",
    ),
    (
        (0, 6),
        Channel.VISIT,
        "来访咨询家里养狗需要办什么手续。",
        "请先到辖区派出所或“浙里办”办理犬只登记、注射狂犬疫苗；小区内遛狗须牵绳，及时清理粪便，不得进入儿童游乐区。",
    ),
)


def _ago(days: int = 0, hours: int = 0, minutes: int = 0) -> dt.timedelta:
    return dt.timedelta(days=days, hours=hours, minutes=minutes)


def _backdate(tickets: Sequence[Ticket], offset: dt.timedelta) -> None:
    """DEMO-ONLY BACK-DATING, not a business operation (never call this outside seed_demo).

    The desk services stamp everything with timezone.now(); a demo needs tickets that
    were opened days ago, some of them now past their deadlines. So every step of a demo
    ticket is done through the services, and then everything the services wrote for the
    ticket so far is moved back by the same `offset` with plain queryset updates: the
    ticket's own times, its timeline events (`at`), its contacts, its SLA clocks (start,
    deadlines, pauses, met/breached/ended times, next check), its complaint
    classification and happening, and its work-order times. (The demo attaches no files,
    and SLA firings only come from the one sweep run after every ticket is in place.) Relative times stay as the
    services made them; deadlines counted in business time are shifted as calendar time
    (an approximation good enough for a demo). Appointment slots are agreed times, not
    stamps, and stay where they were set; the arrival note's time in words follows its
    event. Notifications are left as sent (now)."""
    if not tickets or offset <= dt.timedelta(0):
        return
    ids = [t.pk for t in tickets]

    def shift(rows: models.QuerySet, *names: str) -> None:
        rows.update(**{name: F(name) - offset for name in names})

    shift(Ticket.objects.filter(pk__in=ids), "created_at", "resolved_at", "closed_at", "next_deadline_at")
    shift(TicketEvent.objects.filter(ticket_id__in=ids), "at")
    shift(Contact.objects.filter(ticket_id__in=ids), "received_at")
    shift(
        SlaClock.objects.filter(ticket_id__in=ids),
        *("started_at", "deadline_at", "original_deadline_at", "warn_at", "paused_at"),
        *("met_at", "breached_at", "ended_at", "next_check_at"),
    )
    types = {t.type for t in tickets}
    if TicketType.COMPLAINT in types:
        shift(ComplaintDetail.objects.filter(ticket_id__in=ids), "classified_at")
        happenings = ComplaintDetail.objects.filter(ticket_id__in=ids, happening__isnull=False).values("happening_id")
        shift(Happening.objects.filter(pk__in=happenings), "created_at", "promoted_at")
    shift(
        ReturnVisit.objects.filter(ticket_id__in=ids),
        *("created_at", "due_at", "done_at", "sent_back_at", "rework_due_at", "reviewed_at"),
    )
    shift(VisitDraw.objects.filter(ticket_id__in=ids), "drawn_at")
    if TicketType.EMERGENCY in types:
        shift(EmergencyDetail.objects.filter(ticket_id__in=ids), "notified_at", "summary_at")
        shift(EmergencyCheck.objects.filter(ticket_id__in=ids), "done_at")
    if types & WORK_ORDER_TYPES:
        shift(
            WorkOrder.objects.filter(ticket_id__in=ids),
            *("quote_accepted_at", "pooled_at", "grabbed_at", "arrived_at", "completed_at"),
            *("temporary_measure_at", "escalated_at"),
        )
        # The arrival note says the time in words (到场 HH:MM, work_order_arrive): say the moved one.
        for event in TicketEvent.objects.filter(ticket_id__in=ids, kind=EventKind.STATUS, note__startswith="到场 "):
            if re.fullmatch(r"到场 \d{2}:\d{2}", event.note):
                TicketEvent.objects.filter(pk=event.pk).update(note=f"到场 {timezone.localtime(event.at):%H:%M}")
    for ticket in tickets:
        ticket.refresh_from_db()


class _Story:
    """Plays the steps of one or more tickets at the ages they should have: `at(age)`
    moves what was written so far back (`_backdate`) so that the next step, done now
    through the services, lands `age` ago; `end()` moves the last step back."""

    def __init__(self) -> None:
        self.tickets: list[Ticket] = []
        self.age: dt.timedelta | None = None

    def at(self, age: dt.timedelta) -> None:
        if self.age is not None:
            if age > self.age:
                raise ValueError("a story's steps go forward in time")
            _backdate(self.tickets, self.age - age)
        self.age = age

    def add(self, ticket: Ticket) -> Ticket:
        self.tickets.append(ticket)
        return ticket

    def end(self) -> None:
        self.at(dt.timedelta(0))


def _signature_png(rng: random.Random) -> bytes:
    """A customer's signature as drawn on the phone: a transparent PNG with a stroke."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (360, 140), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for start in (20, 130, 240):  # three strokes, like three characters
        points = [(start + 12 * i, rng.randint(35, 105)) for i in range(9)]
        draw.line(points, fill=(17, 17, 17, 255), width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


Caller = tuple[House, Person]


class _DeskDemo:
    """The service-desk section of one project: contacts, tickets of every type and
    status, work orders, complaints and a happening, all through the desk services."""

    def __init__(self, rng: random.Random, project: Project, staff: dict[str, User], report: SeedReport, resident=None):
        self.rng, self.project, self.staff, self.report = rng, project, staff, report
        self.now = timezone.now()
        self.tz = timezone.get_current_timezone()
        self.entrances = [
            f"{e.building.number}栋{e.number}单元"
            for e in Entrance.objects.filter(project=project).select_related("building").order_by("id")
        ]
        self.callers, self.resident_home = self._callers(resident)
        self.next_caller = 0
        self.prices: dict[str, PriceItem] = {}

    def _callers(self, resident: Person | None) -> tuple[list[Caller], Caller | None]:
        """One caller per occupied flat with a mobile: the tenant of a let flat, else the
        primary contact; shuffled with the seed."""
        rows = (
            Occupancy.objects.filter(project=self.project, end_date__isnull=True, house__usage=Usage.RESIDENTIAL)
            .exclude(person__mobile="")
            .select_related("house", "person")
            .order_by("house_id", "id")
        )
        best: dict[int, tuple[int, Occupancy]] = {}
        for occupancy in rows:
            rank = 0 if occupancy.role == OccupantRole.TENANT else 1 if occupancy.is_primary_contact else 2
            if occupancy.house_id not in best or rank < best[occupancy.house_id][0]:
                best[occupancy.house_id] = (rank, occupancy)
        callers = [(o.house, o.person) for _rank, o in best.values()]
        self.rng.shuffle(callers)
        home = next((c for c in callers if resident is not None and c[1].pk == resident.pk), None)
        if home is not None:
            callers.remove(home)
        return callers, home

    def caller(self) -> Caller:
        caller = self.callers[self.next_caller % len(self.callers)]
        self.next_caller += 1
        return caller

    def entrance(self) -> str:
        return self.rng.choice(self.entrances)

    # writing ----------------------------------------------------------------------------

    def price_list(self) -> None:
        items = [
            PriceItem(project=self.project, kind=kind, trade=trade, name=name, unit=unit, unit_price=Decimal(price))
            for kind, trade, name, unit, price in _PRICE_LIST
        ]
        items += [
            PriceItem(
                project=self.project,
                kind=PriceKind.SERVICE,
                department=department,
                name=name,
                unit=unit,
                unit_price=Decimal(price),
                description=description,
            )
            for department, name, unit, price, description in _SERVICES
        ]
        PriceItem.objects.bulk_create(items)
        self.prices = {item.name: item for item in PriceItem.objects.filter(project=self.project)}
        self.report.counts["desk.PriceItem"] += len(items)
        providers = [
            ServiceProvider(project=self.project, name=name, services=services, phone=phone, address=address)
            for name, services, phone, address in _PROVIDERS
        ]
        self.providers = ServiceProvider.objects.bulk_create(providers)
        self.report.counts["desk.ServiceProvider"] += len(providers)

    def duty_roster(self, by: User, on_duty: dict[str, User]) -> None:
        """Day shifts (08:00–20:00) from three days ago to a week ahead; nights are left
        open, so an emergency at night alarms the whole department (DESK-7)."""
        first = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0) - dt.timedelta(days=3)
        for department, user in on_duty.items():
            shifts = duty_shift_add(
                project=self.project,
                department=department,
                user=user,
                starts_at=first,
                ends_at=first + dt.timedelta(hours=12),
                by=by,
                repeat_days=11,
            )
            self.report.counts["desk.DutyShift"] += len(shifts)

    def answered(self, age: dt.timedelta, channel: str, content: str, answer: str, *, by: User) -> None:
        house, person = self.caller()
        contact_log(
            project=self.project,
            channel=channel,
            content=content,
            by=by,
            received_at=self.now - age,
            caller_number=person.mobile,
            person=person,
            house=house,
            answer=answer,
        )
        self.report.counts["desk.Contact"] += 1

    def ticket(
        self,
        story: _Story,
        *,
        by: User,
        channel: str,
        content: str,
        type: str,
        title: str,
        who: Caller | None = None,
        location: str = "",
        reporter_name: str = "",
        **fields,
    ) -> Ticket:
        """A contact that opens a ticket (DESK-1). With a `location` the ticket concerns
        that common area, whoever reported it."""
        house, person = who or (None, None)
        ticket = {"type": type, "title": title, "description": content, **fields}
        if location:
            ticket.update(house=None, location=location)
        contact = contact_log(
            project=self.project,
            channel=channel,
            content=content,
            by=by,
            caller_number=person.mobile if person else "",
            caller_name=reporter_name,
            person=person,
            house=house,
            read_back=f"已向客户复述：{title}，客户确认无误。" if channel == Channel.PHONE else "",
            ticket=ticket,
        )
        self.report.counts["desk.Contact"] += 1
        self.report.counts["desk.Ticket"] += 1
        return story.add(contact.ticket)

    def again(self, ticket: Ticket, content: str, *, by: User) -> None:
        """The same customer calls again about an open ticket (joined to it, DESK-1)."""
        contact_log(
            project=self.project,
            channel=Channel.PHONE,
            content=content,
            by=by,
            caller_number=ticket.reporter_phone,
            person=ticket.reporter,
            house=ticket.house,
            existing_ticket=ticket,
        )
        self.report.counts["desk.Contact"] += 1

    # the first project ------------------------------------------------------------------

    def run_first(self) -> None:
        s = self.staff
        a, sup, mgr, eng, guard, cleaner = (s[r] for r in ("assistant", "supervisor", "manager", "engineer", "guard", "cleaner"))
        self.price_list()
        self.duty_roster(sup, {Department.SECURITY: guard, Department.ENGINEERING: eng})
        for (days, hours), channel, content, answer in _ANSWERED:
            self.answered(_ago(days, hours), channel, content, answer, by=a)

        # praise, closed: passed on to the department, then closed
        story = _Story()
        story.at(_ago(6, 2))
        t = self.ticket(
            story,
            by=a,
            channel=Channel.ONLINE,
            who=self.caller(),
            type=TicketType.PRAISE,
            title="表扬工程部赵志强师傅维修热水器及时、收费透明",
            content="微信留言：上周热水器打不着火，赵师傅当天就上门修好了，态度很好，收费也按价目表，特此表扬。",
        )
        ticket_assign(ticket=t, assignee=sup, by=a, department=Department.ENGINEERING, note="转客服主管通报表扬")
        story.at(_ago(5, 3))
        ticket_transition(ticket=t, to_status=Status.RESOLVED, by=sup, note="已在工程部晨会通报表扬，计入员工月度考核")
        story.at(_ago(4, 22))
        ticket_transition(ticket=t, to_status=Status.CLOSED, by=a, note="已电话告知业主，感谢业主的肯定")
        story.end()

        # complaint classified invalid (CMP-4), with the explanation given, then closed
        story = _Story()
        story.at(_ago(5, 1))
        t = self.ticket(
            story,
            by=a,
            channel=Channel.VISIT,
            who=self.caller(),
            type=TicketType.COMPLAINT,
            category="other",
            location="小区地面停车场",
            title="投诉小区地面车位太少，要求物业增加车位",
            content="业主来访：晚上下班回来经常找不到地面车位，要求物业在绿化带增加停车位。",
        )
        ticket_assign(ticket=t, assignee=sup, by=a, department=Department.CUSTOMER_SERVICE)
        story.at(_ago(5, 0))
        complaint_classify(
            ticket=t,
            validity=Validity.INVALID,
            by=sup,
            explanation="小区车位按规划设计配建，占用绿化带增设车位须业主大会表决并报规划部门审批，物业无权自行增设；"
            "已向业主解释，并提供地下车库月租车位和周边公共停车场信息。",
        )
        story.at(_ago(4, 23))
        ticket_transition(ticket=t, to_status=Status.RESOLVED, by=sup, note="已当面向业主解释，业主表示理解")
        story.at(_ago(4, 2))
        ticket_transition(ticket=t, to_status=Status.CLOSED, by=a, note="回访：业主已租用地下车位")
        story.end()

        # inquiry that needed looking into: resolved
        story = _Story()
        story.at(_ago(4, 5))
        t = self.ticket(
            story,
            by=a,
            channel=Channel.PHONE,
            who=self.caller(),
            type=TicketType.INQUIRY,
            title="咨询房屋专项维修资金余额查询方式",
            content="业主来电咨询自家房屋专项维修资金还剩多少，在哪里可以查。",
        )
        ticket_assign(ticket=t, assignee=sup, by=a, department=Department.CUSTOMER_SERVICE)
        story.at(_ago(3, 23))
        ticket_transition(ticket=t, to_status=Status.IN_PROGRESS, by=sup, note="已向市住房专项维修资金管理中心核实")
        story.at(_ago(3, 22))
        ticket_transition(
            ticket=t,
            to_status=Status.RESOLVED,
            by=sup,
            note="已电话答复：可凭身份证、不动产权证到维修资金管理中心窗口查询，或登录“浙里办”查询",
        )
        story.end()

        # paid repair (REP-4): quote accepted at the door, completed with the customer's
        # signature (REP-6), final charge from the lines used, closed after the return visit
        story = _Story()
        story.at(_ago(3, 2))
        who = self.resident_home or self.caller()
        t = self.ticket(
            story,
            by=a,
            channel=Channel.PHONE,
            who=who,
            type=TicketType.REPAIR,
            category=RepairTrade.PLUMBING,
            title="卫生间洗手台水龙头关不紧，一直滴水",
            content="业主来电：卫生间洗手台水龙头关不紧，一直滴水，想请师傅上门更换一个普通水龙头。",
        )
        work_order_prepare(ticket=t, by=a, someone_home=True, paid=True)
        work_order_quote(ticket=t, lines=[(self.prices["更换水龙头"], "1"), (self.prices["水龙头(普通)"], "1")], by=a)
        ticket_assign(ticket=t, assignee=eng, by=a, department=Department.ENGINEERING)
        story.at(_ago(3, 1, 20))
        work_order_accept_quote(ticket=t, accepted_by=who[1].name, by=eng)
        work_order_arrive(ticket=t, by=eng)
        story.at(_ago(3, 0, 55))
        work_order_complete(
            ticket=t,
            by=eng,
            note="更换洗手台水龙头一个，接口缠生料带，试水无渗漏",
            materials=[(self.prices["更换水龙头"], "1"), (self.prices["水龙头(普通)"], "1"), (self.prices["生料带"], "1")],
            signature_png=_signature_png(self.rng),
        )
        story.at(_ago(2, 3))
        ticket_transition(ticket=t, to_status=Status.CLOSED, by=a, note="维修完成，客户已签字验收")
        story.at(_ago(1, 22))
        visit = ReturnVisit.objects.get(ticket=t)  # scheduled on closing (REP-8)
        visit_record(
            visit=visit,
            by=visit.visitor or a,
            method=VisitMethod.PHONE,
            handled=True,
            satisfied=True,
            score_quality=5,
            score_result=5,
            score_attitude=5,
            contact_name=who[1].name,
            note="电话回访：水龙头使用正常，对维修质量、收费和服务态度满意",
        )
        story.end()

        # complaint about a guard, effective but minor, waiting for the customer
        story = _Story()
        story.at(_ago(2, 20))
        t = self.ticket(
            story,
            by=a,
            channel=Channel.PHONE,
            who=self.caller(),
            type=TicketType.COMPLAINT,
            category="attitude",
            location="小区东门岗亭",
            title="投诉东门夜班保安态度生硬",
            content="业主来电投诉：昨晚 22 点左右东门保安不让外卖员进小区，业主下楼询问时保安态度生硬、不作解释。",
        )
        complaint_record_details(
            ticket=t,
            by=a,
            complained_department=Department.SECURITY,
            complained_person="东门夜班保安",
            customer_demand="要求当班保安道歉并加强服务培训",
        )
        ticket_assign(ticket=t, assignee=sup, by=a, department=Department.SECURITY)
        story.at(_ago(2, 19))
        complaint_classify(ticket=t, validity=Validity.EFFECTIVE, by=sup, severity=Priority.MINOR)
        complaint_record_step(
            ticket=t,
            step=ComplaintStep.OPINION,
            text="已调取东门监控核实；由秩序维护部主管约谈当班保安，并约业主面谈致歉",
            by=sup,
        )
        story.at(_ago(2, 18))
        ticket_transition(ticket=t, to_status=Status.WAITING_CUSTOMER, by=sup, note="已约业主面谈，等待业主确认时间")
        story.end()

        # request waiting for the customer: CCTV only with a police report
        story = _Story()
        story.at(_ago(2, 1))
        where = self.entrance()
        t = self.ticket(
            story,
            by=a,
            channel=Channel.VISIT,
            who=self.caller(),
            type=TicketType.REQUEST,
            title="电动车被盗，申请查看车棚监控录像",
            content=f"业主来访：昨晚停在{where}楼下车棚的电动车被盗，申请查看车棚监控录像。",
        )
        ticket_assign(ticket=t, assignee=guard, by=a, department=Department.SECURITY)
        story.at(_ago(1, 23))
        ticket_transition(ticket=t, to_status=Status.IN_PROGRESS, by=guard, note="已调取车棚监控并保存录像")
        story.at(_ago(1, 22, 30))
        ticket_transition(
            ticket=t,
            to_status=Status.WAITING_CUSTOMER,
            by=guard,
            note="按规定须业主先报警，凭派出所回执方可查看监控；已告知业主，等待业主提供报警回执",
        )
        story.end()

        # suggestion: answered and resolved
        story = _Story()
        story.at(_ago(1, 20))
        t = self.ticket(
            story,
            by=a,
            channel=Channel.ONLINE,
            who=self.caller(),
            type=TicketType.SUGGESTION,
            title="建议在南门增设智能快递柜",
            content="微信留言：现在快递都堆在南门岗亭，容易拿错，建议增设智能快递柜。",
        )
        ticket_assign(ticket=t, assignee=mgr, by=a, department=Department.MANAGEMENT)
        story.at(_ago(1, 4))
        ticket_transition(ticket=t, to_status=Status.IN_PROGRESS, by=mgr, note="已联系快递柜运营商现场勘察")
        story.at(_ago(0, 23))
        ticket_transition(ticket=t, to_status=Status.RESOLVED, by=mgr, note="已答复业主：下月在南门内侧安装两组智能快递柜")
        story.end()

        # complaint cancelled by the customer
        story = _Story()
        story.at(_ago(1, 10))
        where = self.entrance()
        t = self.ticket(
            story,
            by=a,
            channel=Channel.PHONE,
            who=self.caller(),
            type=TicketType.COMPLAINT,
            category="other",
            location=f"{where}5楼楼道",
            title="投诉邻居在楼道堆放纸箱杂物",
            content=f"业主来电投诉：{where}5楼邻居长期在楼道堆放纸箱杂物，影响通行，也有消防隐患。",
        )
        ticket_assign(ticket=t, assignee=sup, by=a, department=Department.SECURITY)
        story.at(_ago(1, 8))
        ticket_transition(ticket=t, to_status=Status.CANCELLED, by=sup, note="业主来电告知已与邻居协商，杂物已清走，撤回投诉")
        story.end()

        # emergency (爆管): found on patrol, dispatched at once, repaired, closed
        story = _Story()
        story.at(_ago(1, 6))
        building = self.entrance().split("栋")[0]
        t = self.ticket(
            story,
            by=guard,
            channel=Channel.PATROL,
            reporter_name=guard.display_name,
            type=TicketType.EMERGENCY,
            category=EmergencyKind.BURST_PIPE,
            location=f"{building}栋地下室水泵房",
            title=f"{building}栋地下室给水管爆管，大量漏水",
            content=f"夜间巡逻发现{building}栋地下室水泵房旁给水主管爆管，大量漏水，已流向地下车库。",
        )
        story.at(_ago(1, 5, 58))
        ticket_assign(ticket=t, assignee=eng, by=a, department=Department.ENGINEERING, note="紧急派单，已电话通知工程部")
        story.at(_ago(1, 5, 51))
        ticket_transition(ticket=t, to_status=Status.IN_PROGRESS, by=eng, note=f"到场，已关闭{building}栋给水总阀，停水抢修")
        emergency_check(ticket=t, position=1, by=eng)
        emergency_check(ticket=t, position=2, by=eng)
        story.at(_ago(1, 5, 40))
        self.again(t, f"业主来电：{building}栋家中突然停水，询问原因和恢复时间", by=a)
        emergency_inform_caller(ticket=t, note="已告知业主：地下室给水管爆管抢修中，预计 3 小时内恢复供水", by=a)
        emergency_check(ticket=t, position=4, by=a)
        story.at(_ago(1, 5))
        ticket_comment(ticket=t, note="保洁组已清理地下车库积水", by=cleaner)
        emergency_check(ticket=t, position=3, by=eng)
        story.at(_ago(1, 2, 10))
        emergency_check(ticket=t, position=5, by=eng)
        emergency_summarise(
            ticket=t,
            summary=f"巡逻保安发现{building}栋地下室水泵房旁给水主管（DN50）爆管，工程部 2 分钟内接报、9 分钟到场关闭总阀；"
            "保洁组清理车库积水；更换破裂管段约 1.5 米，试压正常后恢复供水，停水约 3.5 小时。原因：管道老化锈蚀，"
            "已列入本月管网排查计划。",
            by=eng,
        )
        emergency_check(ticket=t, position=6, by=eng)
        story.at(_ago(1, 2))
        ticket_transition(ticket=t, to_status=Status.RESOLVED, by=eng, note="更换 DN50 破裂管段约 1.5 米，试压正常，已恢复供水")
        story.at(_ago(0, 22))
        ticket_transition(ticket=t, to_status=Status.CLOSED, by=a, note="已在业主群发布恢复供水通知")
        story.end()

        # request: temporary parking for a family banquet, closed
        story = _Story()
        story.at(_ago(1, 4))
        t = self.ticket(
            story,
            by=a,
            channel=Channel.PHONE,
            who=self.caller(),
            type=TicketType.REQUEST,
            title="家中办寿宴，申请周六临时使用 2 个地面车位",
            content="业主来电：周六中午家中给老人办寿宴，亲戚开车来，申请临时使用楼下 2 个地面车位半天。",
        )
        ticket_assign(ticket=t, assignee=guard, by=a, department=Department.SECURITY)
        story.at(_ago(1, 3))
        ticket_transition(ticket=t, to_status=Status.IN_PROGRESS, by=guard, note="已登记访客车牌")
        story.at(_ago(1, 2, 30))
        ticket_transition(ticket=t, to_status=Status.RESOLVED, by=guard, note="周六 10:00–15:00 预留 2 个地面车位并摆放提示牌")
        story.at(_ago(1, 1))
        ticket_transition(ticket=t, to_status=Status.CLOSED, by=a, note="已电话告知业主")
        story.end()

        # common-area repair reported by staff, confirmed by the reporter (REP-7): resolved
        story = _Story()
        story.at(_ago(1, 2))
        t = self.ticket(
            story,
            by=cleaner,
            channel=Channel.STAFF,
            reporter_name=cleaner.display_name,
            type=TicketType.REPAIR,
            category=RepairTrade.ELECTRICAL,
            location="地下车库B区",
            title="地下车库B区 3 根灯管不亮",
            content="保洁员报告：地下车库B区靠电梯厅一侧有 3 根灯管不亮，光线很暗。",
        )
        story.at(_ago(1, 1, 55))
        ticket_assign(ticket=t, assignee=eng, by=a, department=Department.ENGINEERING)
        story.at(_ago(1, 1, 10))
        work_order_arrive(ticket=t, by=eng)
        story.at(_ago(1, 0, 40))
        work_order_complete(
            ticket=t,
            by=eng,
            note="更换 LED 灯管 3 根，照明恢复",
            materials=[(self.prices["LED灯管(T8 1.2米)"], "3")],
            confirmed_by_name=cleaner.display_name,
        )
        story.end()

        # paid repair quoted, waiting for the customer to accept (REP-4)
        story = _Story()
        story.at(_ago(1, 1))
        t = self.ticket(
            story,
            by=a,
            channel=Channel.PHONE,
            who=self.caller(),
            type=TicketType.REPAIR,
            category=RepairTrade.PLUMBING,
            title="卫生间地漏堵塞，下水很慢",
            content="业主来电：卫生间地漏堵塞，洗澡时积水，下水很慢，需要疏通。",
        )
        work_order_prepare(ticket=t, by=a, paid=True)
        work_order_quote(ticket=t, lines=[(self.prices["疏通下水道"], "1")], by=a)
        ticket_assign(ticket=t, assignee=eng, by=a, department=Department.ENGINEERING)
        story.at(_ago(1, 0, 50))
        ticket_transition(ticket=t, to_status=Status.WAITING_CUSTOMER, by=a, note="已报价 80.00 元（疏通下水道），业主考虑后回复")
        story.end()

        # service (特约服务): moving day, closed
        story = _Story()
        story.at(_ago(1, 0))
        t = self.ticket(
            story,
            by=a,
            channel=Channel.VISIT,
            who=self.caller(),
            type=TicketType.SERVICE,
            title="搬家预约货梯和临时停车",
            content="业主来访：明天上午搬家，预约使用货梯，并请安排搬家车临时停靠。",
        )
        work_order_prepare(ticket=t, by=a, someone_home=True, paid=False)
        ticket_assign(ticket=t, assignee=guard, by=a, department=Department.SECURITY)
        story.at(_ago(0, 23, 30))
        work_order_arrive(ticket=t, by=guard)
        story.at(_ago(0, 23))
        work_order_complete(
            ticket=t,
            by=guard,
            note="货梯已加装防护板，搬家车停靠单元门口临时车位",
            signature_png=_signature_png(self.rng),
        )
        story.at(_ago(0, 12))
        ticket_transition(ticket=t, to_status=Status.CLOSED, by=a, note="搬家完成，公共区域无损坏")
        story.end()

        # repair cancelled: the customer found the tripped breaker
        story = _Story()
        story.at(_ago(0, 20))
        t = self.ticket(
            story,
            by=a,
            channel=Channel.PHONE,
            who=self.caller(),
            type=TicketType.REPAIR,
            category=RepairTrade.ELECTRICAL,
            title="客厅插座全部没电",
            content="业主来电：客厅插座全部没电，其他房间正常。",
        )
        ticket_assign(ticket=t, assignee=eng, by=a, department=Department.ENGINEERING)
        story.at(_ago(0, 19, 40))
        ticket_transition(
            ticket=t, to_status=Status.CANCELLED, by=a, note="业主回电：自行检查为空气开关跳闸，复位后已恢复，取消报修"
        )
        story.end()

        # praise: resolved
        story = _Story()
        story.at(_ago(0, 10))
        t = self.ticket(
            story,
            by=a,
            channel=Channel.VISIT,
            who=self.caller(),
            type=TicketType.PRAISE,
            title="表扬保安孙海涛帮助老人提重物上楼",
            content="业主来访：家中老人买菜回来，保安孙海涛主动帮忙把米和油提上楼，特来表扬。",
        )
        ticket_assign(ticket=t, assignee=sup, by=a, department=Department.SECURITY)
        story.at(_ago(0, 9))
        ticket_transition(ticket=t, to_status=Status.RESOLVED, by=sup, note="已通报秩序维护部，给予当月服务之星加分")
        story.end()

        # complaint classified effective / important (CMP-4/5): alerts supervisor and PM (CMP-7)
        story = _Story()
        story.at(_ago(0, 9))
        t = self.ticket(
            story,
            by=a,
            channel=Channel.PHONE,
            who=self.caller(),
            type=TicketType.COMPLAINT,
            category="decoration",
            title="投诉楼上午休时间装修电钻施工",
            content="业主来电投诉：楼上装修已连续三天在中午 12 点到 2 点午休时间用电钻施工，家中有婴儿无法休息。",
        )
        complaint_record_details(
            ticket=t,
            by=a,
            complained_department=Department.CUSTOMER_SERVICE,
            complained_person="楼上装修施工队",
            customer_demand="要求物业制止午休时段施工",
        )
        ticket_assign(ticket=t, assignee=sup, by=a, department=Department.CUSTOMER_SERVICE)
        story.at(_ago(0, 8, 30))
        complaint_classify(ticket=t, validity=Validity.EFFECTIVE, by=sup, severity=Priority.IMPORTANT)
        complaint_record_step(ticket=t, step=ComplaintStep.OPINION, text="装修管理员立即上门核查，按装修管理协议处理", by=sup)
        story.at(_ago(0, 8))
        ticket_transition(ticket=t, to_status=Status.IN_PROGRESS, by=sup, note="装修管理员已上门")
        story.at(_ago(0, 7))
        complaint_record_step(
            ticket=t,
            step=ComplaintStep.HANDLING,
            text="已责令施工队停止午休时段施工，重申施工时间为工作日 8:00–12:00、14:00–18:00，再犯扣除装修押金",
            by=sup,
        )
        story.end()

        # paid service in progress
        story = _Story()
        story.at(_ago(0, 7))
        t = self.ticket(
            story,
            by=a,
            channel=Channel.VISIT,
            who=self.caller(),
            type=TicketType.SERVICE,
            title="预约开荒保洁（装修完工，约 120 平方米）",
            content="业主来访：新装修完工，预约开荒保洁，面积约 120 平方米，按价目表收费。",
        )
        work_order_prepare(ticket=t, by=a, someone_home=True, paid=True)
        work_order_quote(ticket=t, lines=[(self.prices["开荒保洁"], "120")], by=a)
        work_order_accept_quote(ticket=t, accepted_by=t.reporter_name or "业主", by=a)
        ticket_assign(ticket=t, assignee=cleaner, by=a, department=Department.CLEANING)
        story.at(_ago(0, 5))
        work_order_arrive(ticket=t, by=cleaner)
        ticket_comment(ticket=t, note="保洁组 3 人已上门作业", by=cleaner)
        story.end()

        # a service the company does not offer: referred to a nearby provider (DESK-8)
        house, person = self.caller()
        contact_log(
            project=self.project,
            channel=Channel.PHONE,
            content="业主来电询问物业能否帮忙维修洗衣机（不脱水）。",
            by=a,
            caller_number=person.mobile,
            person=person,
            house=house,
            answer="物业不提供家电维修，已推荐周边家电维修师傅并告知电话。",
            referred_to=self.providers[2],
        )
        self.report.counts["desk.Contact"] += 1

        # common-area repair waiting for parts, with a temporary measure (REP-6)
        story = _Story()
        story.at(_ago(0, 6))
        where = self.entrance()
        t = self.ticket(
            story,
            by=guard,
            channel=Channel.PATROL,
            reporter_name=guard.display_name,
            type=TicketType.REPAIR,
            category=RepairTrade.DOOR_WINDOW,
            location=f"{where}入口",
            title=f"{where}入口门闭门器漏油，门关不上",
            content=f"巡逻发现{where}入口门闭门器漏油失效，门无法自动关闭，门禁形同虚设。",
        )
        story.at(_ago(0, 5, 54))
        ticket_assign(ticket=t, assignee=eng, by=a, department=Department.ENGINEERING)
        story.at(_ago(0, 5))
        work_order_arrive(ticket=t, by=eng)
        story.at(_ago(0, 4, 40))
        work_order_temporary_measure(ticket=t, measure="已拆除漏油闭门器，单元门暂用磁吸保持关闭，门上张贴提示", by=eng)
        ticket_transition(ticket=t, to_status=Status.WAITING_PARTS, by=eng, note="闭门器已申购，预计 2 天到货")
        story.end()

        # new and overdue: nobody has taken them yet (the board and the queue show the breaches)
        story = _Story()
        story.at(_ago(0, 5))
        self.ticket(
            story,
            by=a,
            channel=Channel.ONLINE,
            who=self.caller(),
            type=TicketType.REQUEST,
            title="申请为家中老人办理一张门禁卡",
            content="微信留言：父母来小区同住，申请为老人办理一张门禁卡，老人行动不便，能否上门登记。",
        )
        story.end()
        story = _Story()
        story.at(_ago(0, 4))
        where = self.entrance()
        self.ticket(
            story,
            by=a,
            channel=Channel.PHONE,
            who=self.caller(),
            type=TicketType.COMPLAINT,
            category="cleaning",
            location=f"{where}垃圾分类亭",
            title=f"投诉{where}垃圾桶满溢未清运",
            content=f"业主来电投诉：{where}楼下垃圾桶从早上就满了，一直没人清运，味道很大。",
        )
        story.end()

        # suggestion assigned to the project manager
        story = _Story()
        story.at(_ago(0, 3, 30))
        t = self.ticket(
            story,
            by=a,
            channel=Channel.VISIT,
            who=self.caller(),
            type=TicketType.SUGGESTION,
            title="建议在儿童游乐区加装遮阳棚",
            content="业主来访建议：儿童游乐区没有遮阳，午后滑梯晒得很烫，建议加装遮阳棚并增加几张座椅。",
        )
        ticket_assign(ticket=t, assignee=mgr, by=a, department=Department.MANAGEMENT)
        story.end()

        self.happening_story(a, sup)

        # general repair with an appointment (REP-1): waiting for the appointment
        story = _Story()
        story.at(_ago(0, 2))
        t = self.ticket(
            story,
            by=a,
            channel=Channel.ONLINE,
            who=self.caller(),
            type=TicketType.REPAIR,
            category=RepairTrade.DOOR_WINDOW,
            title="阳台推拉门滑轮损坏，推拉费劲",
            content="微信报修：阳台推拉门滑轮坏了，推拉很费劲，白天家里没人，希望明天上午上门。",
        )
        tomorrow = timezone.localtime(self.now, self.tz).date() + dt.timedelta(days=1)
        work_order_prepare(
            ticket=t,
            by=a,
            appointment_start=dt.datetime.combine(tomorrow, dt.time(9, 0), tzinfo=self.tz),
            appointment_end=dt.datetime.combine(tomorrow, dt.time(11, 0), tzinfo=self.tz),
            someone_home=True,
        )
        ticket_assign(ticket=t, assignee=eng, by=a, department=Department.ENGINEERING)
        story.at(_ago(0, 1, 50))
        ticket_transition(ticket=t, to_status=Status.WAITING_APPOINTMENT, by=a, note="已与业主约定明天 9:00–11:00 上门")
        story.end()

        # urgent repair, not yet dispatched: past its dispatch and on-site limits
        story = _Story()
        story.at(_ago(0, 0, 50))
        where = self.entrance()
        self.ticket(
            story,
            by=a,
            channel=Channel.PHONE,
            who=self.caller(),
            type=TicketType.REPAIR,
            priority=Priority.URGENT,
            category=RepairTrade.ELEVATOR,
            location=f"{where}电梯",
            title=f"{where}电梯运行异响、轿厢抖动",
            content=f"业主来电：{where}电梯运行时有异响，轿厢明显抖动，担心安全。",
        )
        story.end()

        # urgent repair in progress: the customer called again before the technician arrived
        story = _Story()
        story.at(_ago(0, 0, 40))
        t = self.ticket(
            story,
            by=a,
            channel=Channel.PHONE,
            who=self.caller(),
            type=TicketType.REPAIR,
            priority=Priority.URGENT,
            category=RepairTrade.PLUMBING,
            title="厨房水槽下水管接口漏水，水流到客厅",
            content="业主来电：厨房水槽下水管接口漏水，水已经流到客厅地板上。",
        )
        story.at(_ago(0, 0, 38))
        ticket_assign(ticket=t, assignee=eng, by=a, department=Department.ENGINEERING)
        story.at(_ago(0, 0, 33))
        self.again(t, "业主再次来电：水越流越多，催促师傅尽快到场", by=a)
        story.at(_ago(0, 0, 29))
        work_order_arrive(ticket=t, by=eng)
        story.end()

        # inquiry, new: waiting to be handed over
        story = _Story()
        story.at(_ago(0, 0, 25))
        self.ticket(
            story,
            by=a,
            channel=Channel.PHONE,
            who=self.caller(),
            type=TicketType.INQUIRY,
            title="咨询二次供水水箱清洗时间和水质检测报告",
            content="业主来电咨询：小区二次供水水箱多久清洗一次，能否查看最近一次的水质检测报告。",
        )
        story.end()

        # just in: a service request and a repair in the open pool (REP-5)
        story = _Story()
        story.at(_ago(0, 0, 4))
        self.ticket(
            story,
            by=a,
            channel=Channel.ONLINE,
            who=self.caller(),
            type=TicketType.SERVICE,
            title="预约空调清洗（挂机 3 台）",
            content="微信预约：家中 3 台挂机空调需要清洗，周末上门。",
        )
        story.end()
        story = _Story()
        story.at(_ago(0, 0, 2))
        where = self.entrance()
        t = self.ticket(
            story,
            by=a,
            channel=Channel.PHONE,
            who=self.caller(),
            type=TicketType.REPAIR,
            category=RepairTrade.ELECTRICAL,
            location=f"{where}3楼楼道",
            title=f"{where}3楼楼道灯不亮",
            content=f"业主来电：{where}3楼楼道声控灯不亮，晚上上下楼看不见。",
        )
        work_order_open_pool(ticket=t, by=a)
        story.end()

    def happening_story(self, a: User, sup: User) -> None:
        """Five customers complain about one happening (CMP-5): linked by the supervisor,
        the fifth distinct complainant makes all of them major."""
        story = _Story()
        where = self.entrance()
        title = f"{where}电梯一周内多次停运"
        voices = (
            (Channel.PHONE, f"业主来电投诉：{where}电梯又停了，这周已经是第三次，老人上下楼很困难。"),
            (Channel.VISIT, f"业主来访投诉：{where}电梯刚才停运，家人被困在轿厢里 20 分钟才出来。"),
            (Channel.ONLINE, f"微信投诉：{where}电梯又坏了，物业到底有没有按时维保？"),
            (Channel.PHONE, f"业主来电投诉：{where}电梯频繁故障，要求公布维保记录。"),
            (Channel.PHONE, f"业主来电投诉：{where}电梯停运，孩子放学只能爬楼梯，要求尽快修好。"),
        )
        ages = (_ago(0, 3, 10), _ago(0, 3), _ago(0, 2, 45), _ago(0, 2, 30), _ago(0, 2, 15))
        happening = None
        for n, (age, (channel, content)) in enumerate(zip(ages, voices, strict=True)):
            story.at(age)
            t = self.ticket(
                story,
                by=a,
                channel=channel,
                who=self.caller(),
                type=TicketType.COMPLAINT,
                category="engineering",
                location=f"{where}电梯",
                title=title,
                content=content,
            )
            complaint_record_details(
                ticket=t, by=a, complained_department=Department.ENGINEERING, customer_demand="要求彻底维修并公布维保记录"
            )
            ticket_assign(ticket=t, assignee=sup, by=a, department=Department.ENGINEERING)
            story.at(age - _ago(minutes=5))
            complaint_classify(ticket=t, validity=Validity.EFFECTIVE, by=sup, severity=Priority.IMPORTANT)
            if n == 2:  # the third complaint: the supervisor sees one happening
                happening = happening_create(project=self.project, title=f"{where}电梯频繁停运", by=sup)
                for earlier in story.tickets:
                    complaint_link(ticket=earlier, happening=happening, by=sup)
            elif happening is not None:
                complaint_link(ticket=t, happening=happening, by=sup)
        story.at(_ago(0, 1, 30))
        for t in story.tickets:
            complaint_record_step(
                ticket=t,
                step=ComplaintStep.OPINION,
                text="已要求电梯维保单位今日到场全面检修，检修结果在业主群公布",
                by=sup,
            )
            ticket_transition(ticket=t, to_status=Status.IN_PROGRESS, by=sup, note="电梯维保单位已到场检修")
        story.end()

    # the second project -----------------------------------------------------------------

    def run_second(self) -> None:
        """A few tickets of the second project, where one assistant does everything."""
        a = self.staff["assistant"]
        self.answered(
            _ago(1, 3),
            Channel.PHONE,
            "咨询装修押金什么时候可以退。",
            "装修完工后提交验收申请，物业会同业主验收合格且无违规、无损坏公共设施的，押金在验收后 15 个工作日内原路退还。",
            by=a,
        )
        story = _Story()
        story.at(_ago(1, 2))
        t = self.ticket(
            story,
            by=a,
            channel=Channel.VISIT,
            who=self.caller(),
            type=TicketType.REQUEST,
            title="申请办理装修施工证",
            content="业主来访：装修方案已定，申请办理装修施工证。",
        )
        ticket_assign(ticket=t, assignee=a, by=a, department=Department.CUSTOMER_SERVICE)
        story.at(_ago(1, 1))
        ticket_transition(ticket=t, to_status=Status.IN_PROGRESS, by=a, note="材料齐全，已提交工程部审图")
        story.end()
        story = _Story()
        story.at(_ago(0, 8))
        where = self.entrance()
        t = self.ticket(
            story,
            by=a,
            channel=Channel.PHONE,
            who=self.caller(),
            type=TicketType.COMPLAINT,
            category="decoration",
            location=f"{where}楼道",
            title=f"投诉{where}楼道堆放装修垃圾",
            content=f"业主来电投诉：{where}有住户把装修垃圾堆在楼道里好几天了，影响通行。",
        )
        ticket_assign(ticket=t, assignee=a, by=a, department=Department.CUSTOMER_SERVICE)
        story.end()
        story = _Story()
        story.at(_ago(0, 3))
        self.ticket(
            story,
            by=a,
            channel=Channel.PHONE,
            who=self.caller(),
            type=TicketType.REPAIR,
            category=RepairTrade.DOOR_WINDOW,
            title="入户门锁芯卡滞，钥匙转不动",
            content="业主来电：入户门锁芯卡滞，钥匙很难转动，担心锁坏了进不了门。",
        )
        story.end()


# --- entry points --------------------------------------------------------------------------


def is_seeded() -> bool:
    """The demo data are loaded (the first demo project exists)."""
    return Project.objects.filter(code=SCALES["small"]().projects[0].code).exists()


def _skip_foreign_key_triggers() -> None:
    """For the COPY load on PostgreSQL: skip the per-row foreign-key triggers for this
    transaction (as pg_restore --disable-triggers does). Every parent row is written by
    the generator itself before its children, so the checks would only cost time —
    about two minutes at the large scale. Needs a superuser; without one, rows are checked."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if row and row[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")


def seed(*, scale: str = "default", progress: Callable[[str], None] | None = None) -> SeedReport | None:
    """Load the demo data at `scale`; None (and nothing written) when already loaded."""
    plan = SCALES[scale]()
    if is_seeded():
        return None
    started = time.monotonic()
    report = SeedReport(scale)
    use_copy = not plan.history and connection.vendor == "postgresql"
    writer = _Writer(history=plan.history, use_copy=use_copy, batch_size=plan.batch_size, report=report)
    generator = _Generator(plan, writer, progress)
    bulk = plan.name in BULK_TICKETS
    with transaction.atomic():
        if use_copy:
            _skip_foreign_key_triggers()
        generator.run(report)
        if bulk and not use_copy:
            generator.history(report, parallel=False)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh planner statistics for the new rows
            for model in (House, HouseStatusChange, Person, Occupancy, ArchiveItem, PaperArchive, ParkingSpace):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    if bulk and use_copy:  # the estate committed: tickets and bills side by side
        generator.history(report, parallel=True)
    report.seconds = time.monotonic() - started
    return report


def login_rows() -> list[tuple[str, str, str, bool]]:
    """(username, role label, project, exists) for every demo login, for `demo_logins`."""
    projects = list(Project.objects.filter(code__in=[p.code for p in SCALES["small"]().projects]).order_by("id"))
    existing = set(
        User.objects.filter(username__in=[d.username for d in DEMO_LOGINS] + [RESIDENT_USERNAME]).values_list(
            "username", flat=True
        )
    )
    rows = []
    for login in DEMO_LOGINS:
        if login.project_index is None:
            where = "全部项目"
        elif login.project_index < len(projects):
            where = projects[login.project_index].name
        else:
            where = "—"
        rows.append((login.username, str(Role(login.role).label), where, login.username in existing))
    resident = Person.objects.filter(account__username=RESIDENT_USERNAME).select_related("project").first()
    where = f"{resident.project.name} {resident.name}" if resident else "—"
    rows.append((RESIDENT_USERNAME, "住户（业主）", where, RESIDENT_USERNAME in existing))
    return rows
