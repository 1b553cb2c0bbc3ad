"""The company's emergency plans as shipped (应急预案, INC-4), from the 突发事件应急处置规定
of source 001, plus the everyday emergencies of DESK-7 (burst pipe, outage, a cry for
help). Installed once as company-wide plans by `emergency_plans_install` (run by a
migration); each company edits them afterwards (admin), and a project may keep its own
version of any plan.

These are data, not interface text: the steps are stored in the database in Chinese,
as the paper plans are written."""

from __future__ import annotations

from propdesk.desk.choices import Department, EmergencyKind

_REPORT = "作好书面记录，拍摄现场照片，上报公司"

PRESET_PLANS: dict[str, tuple[str, tuple[str, ...]]] = {
    EmergencyKind.CRIME_IN_PROGRESS: (
        Department.SECURITY,
        (
            "通知部门领导",
            "拨打 110 报警（有安防联网的呼叫安防中心支援）",
            "通知人员支援，控制各出入口，隔离现场，疏散围观人群",
            "如有人员受伤，及时送医",
            "设法稳定作案者",
            "公安人员到达后协助处置",
            _REPORT,
        ),
    ),
    EmergencyKind.CRIME_FLED: (
        Department.SECURITY,
        (
            "通知部门领导",
            "拨打 110 报警（有安防联网的呼叫安防中心支援）",
            "如有人员受伤，及时送医",
            "封锁各出入口，问明逃跑方向、体貌衣着、交通工具、车牌号",
            "保护现场",
            "公安人员到达后协助开展工作",
            _REPORT,
        ),
    ),
    EmergencyKind.FIRE: (
        Department.SECURITY,
        (
            "核实火情，利用就近消防器材自救",
            "通知管理处领导，立即拨打 119 火警",
            "通知工程部切断非消防电源、燃气",
            "组织抢救火场内人员",
            "组织就近保安、保洁等人员灭火",
            "保持消防通道畅通，受伤人员及时送医",
            "非消防电梯停至顶层保护",
            "隔离火灾现场，维护秩序，疏散围观群众",
            "消防人员到达后协助灭火",
            "灭火后清理现场，恢复供电和电梯",
            "张贴告示，安抚人心；协助警方查明起火原因",
            _REPORT,
        ),
    ),
    EmergencyKind.SPECIAL_PERSON: (
        Department.SECURITY,
        (
            "登记特殊人员进出时间",
            "严格控制进出人员，经认可方可进入",
            "必要时 24 小时看护",
            "有紧急情况及时报告公安机关及相关领导",
            _REPORT,
        ),
    ),
    EmergencyKind.ELECTRIC_SHOCK: (
        Department.ENGINEERING,
        (
            "立即切断电源，用竹木杆使触电者脱离电源",
            "通知管理处",
            "立即送医，同时进行必要的抢救",
            "查明触电原因",
            _REPORT,
        ),
    ),
    EmergencyKind.GAS_POISONING: (
        Department.ENGINEERING,
        (
            "打开门窗通风",
            "切断燃气、电源，注意火源",
            "通知管理处",
            "立即将中毒者送医",
            "查明中毒原因",
            _REPORT,
        ),
    ),
    EmergencyKind.FACILITY_ACCIDENT: (
        Department.ENGINEERING,
        (
            "报告管理处",
            "如有伤者，立即送医",
            "保护现场",
            "分析调查事故原因",
            _REPORT,
        ),
    ),
    EmergencyKind.ELEVATOR: (
        Department.ENGINEERING,
        (
            "安抚被困人员，告知救援已在进行",
            "立即通知工程部和电梯维保单位",
            "电梯操作人员到机房手动盘车，将轿厢放至最近楼层",
            "派人在停靠楼层守候，轿厢停稳后打开电梯门",
            "引导被困人员离开电梯，如有伤者立即送医",
            "检查分析故障原因",
            "作好书面记录，上报管理处及公司",
        ),
    ),
    EmergencyKind.TYPHOON_FLOOD: (
        Department.ENGINEERING,
        (
            "加强巡视检查，尽早发现隐患",
            "通知业主关闭门窗、收回外置物品",
            "按防台防汛预案做好准备（沙袋、排水泵等）",
            "增加值班人员，夜间加强值守",
            "过后进行善后检查",
            _REPORT,
        ),
    ),
    EmergencyKind.SUICIDE: (
        Department.SECURITY,
        (
            "稳定当事人情绪，劝说并采取防护措施；如已受伤立即送医",
            "立即拨打 110 报警",
            "报告管理处",
            "保护现场，疏散围观群众，维持秩序",
            "公安人员到达后协助工作，协助调查原因",
            _REPORT,
        ),
    ),
    EmergencyKind.TRAFFIC: (
        Department.SECURITY,
        (
            "报告管理处",
            "立即报告派出所或拨打 110（122）",
            "将伤者送医",
            "保护现场",
            "疏导交通，维护现场秩序",
            "协助公安或交通部门调查事故原因",
            _REPORT,
        ),
    ),
    EmergencyKind.THEFT_ROBBERY: (
        Department.SECURITY,
        (
            "报告管理处及公司领导",
            "保护好现场，记住对方特征，保留物证",
            "对有关人员采取必要控制",
            "按公司领导决定报案（存提款被劫立即拨打 110）",
            "暂时保密",
            "作好书面记录，上报公司",
        ),
    ),
    EmergencyKind.CONSTRUCTION: (
        Department.ENGINEERING,
        (
            "如有人员受伤，及时抢救并送医",
            "通知项目主管及工程甲、乙方负责人，报管理处负责人",
            "暂停施工，保护现场",
            "隔离事故现场，防止事态扩大",
            "调查事故原因，提出防范整改措施",
            _REPORT,
        ),
    ),
    EmergencyKind.BURST_PIPE: (
        Department.ENGINEERING,
        (
            "关闭相关阀门，切断水源",
            "如水浸危及配电设施，切断相关电源",
            "通知保洁清理积水，设置警示标志",
            "通知受影响住户停水情况及预计恢复时间",
            "抢修后试压，恢复供水",
            _REPORT,
        ),
    ),
    EmergencyKind.POWER_OUTAGE: (
        Department.ENGINEERING,
        (
            "确认停电范围，检查是否有人困在电梯内",
            "查明原因：内部故障抢修，外部停电联系供电部门",
            "启用应急照明，必要时启动发电机保障消防、生活水泵",
            "通知受影响住户停电情况及预计恢复时间",
            "恢复供电后检查电梯、水泵等设备运行",
            _REPORT,
        ),
    ),
    EmergencyKind.CRY_FOR_HELP: (
        Department.SECURITY,
        (
            "问清地点、人员情况，立即派人到场",
            "如有急病或受伤，拨打 120 并协助送医",
            "联系其紧急联系人或家属",
            "到场后随时告知来电人进展",
            "作好书面记录，上报管理处",
        ),
    ),
}


def emergency_plans_install(plan_model=None) -> int:
    """Install the shipped plans as company-wide plans where the company has none for a
    kind yet; never overwrites an edited plan. Returns how many were created.
    `plan_model` is the migration's historical EmergencyPlan when run from one."""
    if plan_model is None:
        from propdesk.desk.models import EmergencyPlan as plan_model
    created = 0
    for kind, (department, steps) in PRESET_PLANS.items():
        _plan, made = plan_model.objects.get_or_create(
            project=None, kind=kind, defaults={"department": department, "steps": "\n".join(steps)}
        )
        created += made
    return created
