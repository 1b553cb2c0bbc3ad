"""Demo data for propdesk (`manage.py seed_demo`), deterministic and fast.

One company with its projects (小区), buildings (栋) with two entrances (单元) each, houses
(住宅, a few 商铺 / 办公 / 车库储藏) in every MOV-14 status with their status history,
people with realistic Chinese names, valid mobile numbers and GB 11643 resident IDs,
occupancies (owners as primary contacts, co-owners, family, tenants, ended ties for
MOV-11 / MOV-13 history), the archive (ARC-2 checklist states, paper locations, loans
under ARC-5), parking spaces and one demo login per staff role plus a resident login.

How rows are written:
- Projects go through `estate.services.project_create`, so the ARC-2 checklist is
  seeded the normal way; search keys through `residents.services.person_search_keys`.
- The bulk rows are written here with `bulk_create` in batches rather than one service
  call per row: demo data are not a business operation and must load in seconds.
- History (simple_history on House / Person / Occupancy): the small and default scales
  write one '+' history row per seeded row with `bulk_create_with_history`; the large
  (benchmark) scale skips history and, on PostgreSQL, streams rows with COPY.

Everything comes from one `random.Random(SEED)` and dates are anchored on `AS_OF`, so
two runs produce the same people, numbers and codes. Loans alone are dated from today,
so the overdue one is overdue whenever the demo runs.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from propdesk.accounts.models import Membership, User
from propdesk.accounts.roles import Role
from propdesk.core import pinyin
from propdesk.core.idcard import check_character
from propdesk.core.services import calendar_create_default
from propdesk.estate.choices import HouseStatus, ParkingKind, Usage
from propdesk.estate.housecode import format_house_code
from propdesk.estate.models import Building, Company, Entrance, House, HouseStatusChange, ParkingSpace, Project
from propdesk.estate.services import project_create
from propdesk.residents.choices import ArchiveItemStatus, IdType, LoanStatus, OccupancyEnd, OccupantRole
from propdesk.residents.models import ArchiveItem, ArchiveItemType, ArchiveLoan, Occupancy, PaperArchive, Person
from propdesk.residents.services import person_search_keys
from propdesk.sla.services import sla_install_presets

SEED = 20240601
AS_OF = dt.date(2026, 6, 30)
DEMO_PASSWORD = "propdesk-demo"
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


def _large_projects() -> tuple[ProjectPlan, ...]:
    plans = list(_first_two(sunshine=4600, cuihu=4600, floors_a=(11, 18, 26), floors_b=(18, 26, 33)))
    for index, name in enumerate(_LARGE_NAMES, start=3):
        initials, _full = pinyin.pinyin_keys(name)
        year = 2006 + (index * 7) % 19  # first handovers spread over 2006–2024
        plans.append(
            ProjectPlan(
                f"{initials}{index:02d}",
                name,
                f"浙江省杭州市{('西湖', '上城', '拱墅', '滨江', '余杭')[index % 5]}区{name}路 {index * 11} 号",
                dt.date(year, 1 + index % 12, 1),
                4600,
                (11, 18, 26, 33),
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
    "large": lambda: ScalePlan("large", _large_projects(), history=False, batch_size=10000),
}

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
    with transaction.atomic():
        if use_copy:
            _skip_foreign_key_triggers()
        _Generator(plan, writer, progress).run(report)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh planner statistics for the new rows
            for model in (House, HouseStatusChange, Person, Occupancy, ArchiveItem, PaperArchive, ParkingSpace):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
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
