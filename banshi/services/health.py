"""Health (sandbox): safe symptom information with clear limits — never a diagnosis — and
emergency advice first whenever a red flag appears; clinic and doctor appointments (fictional
clinics, deterministic schedules); medication reminders fired by the reminder scheduler."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from banshi import days
from banshi.agents.tools import FromStep, Planned, Refused, Service, ToolContext, tool
from banshi.config import Settings
from banshi.errors import InvalidInput
from banshi.services import common
from banshi.services.common import SANDBOX, stable_unit
from banshi.services.office import create_reminder

LIMITS = (
    "This is general health information, not a diagnosis or medical advice. See a doctor if symptoms are "
    "severe, persist or worsen. 以上为一般健康信息，不是诊断；症状严重、持续或加重请及时就医。"
)
EMERGENCY = (
    "EMERGENCY: call 120 (China) / 112 / 911 now or go to the nearest emergency department. "
    "紧急情况：请立即拨打120或前往最近的急诊。"
)

#: red flags: words -> why it is an emergency
RED_FLAGS: list[tuple[tuple[str, ...], str]] = [
    (("胸痛", "胸口痛", "胸闷", "chest pain", "chest tightness"), "chest pain can be a heart attack"),
    (
        (
            "呼吸困难",
            "喘不上气",
            "喘不过气",
            "can't breathe",
            "cannot breathe",
            "shortness of breath",
            "difficulty breathing",
        ),
        "trouble breathing",
    ),
    (
        (
            "口齿不清",
            "半身无力",
            "嘴歪",
            "面瘫",
            "slurred speech",
            "face drooping",
            "one side weak",
            "numb on one side",
        ),
        "possible stroke: note the time symptoms began",
    ),
    (
        ("昏迷", "意识不清", "晕倒", "抽搐", "unconscious", "fainted", "seizure", "unresponsive"),
        "loss of consciousness or seizure",
    ),
    (
        ("大出血", "止不住血", "吐血", "便血", "severe bleeding", "vomiting blood", "bleeding heavily"),
        "serious bleeding",
    ),
    (
        ("自杀", "不想活", "轻生", "结束生命", "suicide", "kill myself", "end my life", "self-harm"),
        "risk to life: in China call the 24h crisis line 400-161-9995 or 120; elsewhere your local emergency number",
    ),
    (("过敏", "喉咙肿", "anaphylaxis", "throat swelling", "swollen throat"), "a severe allergic reaction"),
    (("中毒", "误服", "overdose", "poisoning", "swallowed"), "possible poisoning: keep the package"),
    (("高烧不退", "40度", "stiff neck", "脖子僵硬"), "very high fever or fever with stiff neck"),
]

#: common symptoms ("name, other name, …") -> (self-care, see a doctor when)
INFO: dict[str, tuple[str, str]] = {
    "fever, 发烧, 发热": (
        "rest, drink fluids, light clothing; paracetamol/ibuprofen as labelled",
        "above 39°C, lasting more than 3 days, in infants under 3 months, or with rash or stiff neck",
    ),
    "cough, 咳嗽": (
        "fluids, honey in warm water (not for under 1s), avoid smoke",
        "lasting more than 3 weeks, coughing blood, breathlessness or high fever",
    ),
    "headache, 头痛, 头疼": (
        "rest in a quiet dark room, fluids, regular meals; simple pain relief as labelled",
        "sudden and severe ('worst ever'), after a head injury, with fever and stiff neck, or with "
        "weakness or confusion",
    ),
    "sore throat, 喉咙痛, 嗓子疼, 咽痛": (
        "warm drinks, lozenges, rest your voice",
        "trouble swallowing or breathing, lasting more than a week, or high fever",
    ),
    "diarrhea, diarrhoea, 腹泻, 拉肚子": (
        "small sips of fluids or oral rehydration salts, bland food",
        "blood in stool, signs of dehydration, more than 2 days, or in small children",
    ),
    "stomach ache, 肚子疼, 腹痛, 胃疼": (
        "rest, small bland meals, avoid alcohol",
        "severe or worsening pain, pain in the lower right, a hard belly, or with vomiting blood",
    ),
    "cold, runny nose, 感冒, 流鼻涕, 鼻塞": ("rest, fluids, saline nose spray", "more than 10 days or with high fever"),
    "insomnia, 失眠, 睡不着": (
        "regular sleep times, no screens or caffeine late, a dark quiet room",
        "lasting weeks and affecting daily life",
    ),
    "rash, 皮疹, 起疹子": (
        "avoid scratching, mild soap, cool compresses",
        "spreading fast, with fever, blistering, or swelling of face or lips",
    ),
    "back pain, 腰疼, 背痛": (
        "keep gently active, heat, good posture",
        "after a fall, with numbness or weakness in the legs, or problems passing urine",
    ),
}
#: INFO in Chinese, by its first (English) word: (symptom, self-care, see a doctor if)
INFO_ZH: dict[str, tuple[str, str, str]] = {
    "fever": ("发烧", "休息，多喝水，穿轻薄些；可按说明服用对乙酰氨基酚或布洛芬",
              "体温超过39°C、持续超过3天、3个月以下的婴儿发烧，或伴有皮疹、脖子僵硬"),
    "cough": ("咳嗽", "多喝水，温水冲蜂蜜（1岁以下不要），远离烟雾", "持续超过3周、咳血、呼吸困难或高烧"),
    "headache": ("头痛", "在安静昏暗的房间休息，多喝水，按时吃饭；可按说明服用普通止痛药",
                 "突然剧烈（从未有过的痛）、头部受伤后、伴发烧和脖子僵硬，或伴无力、意识模糊"),
    "sore throat": ("喉咙痛", "喝温热的饮品，含润喉糖，少说话", "吞咽或呼吸困难、持续超过一周，或高烧"),
    "diarrhea": ("腹泻", "少量多次补液或喝口服补液盐，吃清淡的食物", "便中带血、有脱水迹象、超过2天，或发生在小孩身上"),
    "stomach ache": ("肚子疼", "休息，少量清淡饮食，不喝酒", "疼痛剧烈或加重、右下腹痛、肚子发硬，或吐血"),
    "cold": ("感冒", "休息，多喝水，用生理盐水喷鼻", "超过10天或伴有高烧"),
    "insomnia": ("失眠", "固定作息，睡前不看屏幕、不喝咖啡，卧室保持安静昏暗", "持续数周并影响日常生活"),
    "rash": ("皮疹", "不要抓挠，用温和的肥皂，冷敷", "扩散很快、伴发烧、起水疱，或脸和嘴唇肿胀"),
    "back pain": ("腰背痛", "保持适度活动，热敷，注意姿势", "摔倒后出现、腿麻或无力，或排尿困难"),
}  # fmt: skip
#: the department that sees each symptom of INFO first, where one asks to see a doctor for it
SEES = {
    "fever": "内科", "cough": "内科", "headache": "内科", "sore throat": "耳鼻喉科", "diarrhea": "内科",
    "stomach ache": "内科", "cold": "内科", "insomnia": "内科", "rash": "皮肤科", "back pain": "骨科",
}  # fmt: skip

CLINICS = ["沙盒社区医院（朝阳）", "沙盒综合医院（海淀）", "沙盒中医院（东城）"]
DEPARTMENTS = {
    "内科 internal medicine": "内科",
    "外科 surgery": "外科",
    "儿科 pediatrics": "儿科",
    "皮肤科 dermatology": "皮肤科",
    "眼科 ophthalmology": "眼科",
    "口腔科 dentistry dental": "口腔科",
    "妇科 gynecology": "妇科",
    "骨科 orthopedics": "骨科",
    "耳鼻喉科 ENT": "耳鼻喉科",
    "中医科 TCM": "中医科",
}
SURNAMES = "王李张刘陈杨黄赵周吴"


def _department(text: str) -> str:
    low = text.strip().lower()
    for words, name in DEPARTMENTS.items():
        if low and (low in words.lower() or any(w in low for w in words.lower().split())):
            return name
    raise InvalidInput(f"unknown department {text!r}; one of {', '.join(DEPARTMENTS.values())}")


def say_symptoms(data: dict[str, Any], zh: bool) -> str:
    """Emergency advice word for word when a red flag is there; otherwise the general information
    as written, in the user's language (the model had put 「感冒超过10天或伴有高烧时就医」 as
    「建议你去医院」)."""
    if data.get("emergency"):
        reasons = "; ".join(data.get("reasons") or [])
        return f"{data['advice']}\n({reasons})\n{data['limits']}"
    if zh:
        lines = [
            f"- {name}：{care}。出现以下情况请就医：{when}。"
            for name, care, when in (INFO_ZH[m["symptom"]] for m in data["information"])
        ]
        if not data["information"]:
            lines.append("这些症状没有一般性的信息，医生或药师可以帮到你。")
        lines.append("紧急信号：胸痛、呼吸困难、突然无力或说话不清、晕厥、大出血，请拨打120。")
        return "\n".join([*lines, data["limits"]])
    lines = [
        f"- {m['symptom']}: self-care: {m['self_care']}. See a doctor if {m['see_a_doctor_if']}."
        for m in data["information"]
    ]
    if data.get("advice"):
        lines.append(data["advice"][:1].upper() + data["advice"][1:] + ".")
    lines.append(f"Emergency signs: {data['emergency_signs']}.")
    return "\n".join([*lines, data["limits"]])


@tool(say=say_symptoms)
def symptom_info(ctx: ToolContext, symptoms: str) -> dict:
    """Safe general information about symptoms: emergency warning signs first, self-care, and when to
    see a doctor. Never a diagnosis.

    Args:
        symptoms: the symptoms in the user's words
    """
    low = symptoms.lower()
    flags = [why for words, why in RED_FLAGS if any(w in low for w in words)]
    out: dict[str, Any] = {"limits": LIMITS}
    if flags:
        out |= {"emergency": True, "advice": EMERGENCY, "reasons": flags}
        return out
    matches = [
        {"symptom": key.split(",")[0], "self_care": care, "see_a_doctor_if": when}
        for key, (care, when) in INFO.items()
        if _said([w.strip() for w in key.split(",")], low)  # "headache" is no "stomach ache"
    ]
    out |= {
        "emergency": False,
        "information": matches or [],
        "advice": "" if matches else "no general information for these symptoms; a doctor or pharmacist can help",
        "emergency_signs": "chest pain, trouble breathing, sudden weakness or slurred speech, fainting, severe "
        "bleeding: call 120",
    }
    return out


def _slot_line(s: dict[str, Any], zh: bool) -> str:
    fee = common.money(s["fee"], "¥")
    if zh:
        return f"{s['time']} {s['clinic']} {s['department']} {s['doctor']}，挂号费 {fee}"
    return f"{s['time']} {s['clinic']} {s['department']} {s['doctor']}, fee {fee}"


def _slots(clinic: str, department: str, day: str) -> list[dict[str, Any]]:
    out = []
    for k in range(3):
        doctor = SURNAMES[int(stable_unit(clinic, department, k) * len(SURNAMES))] + "医生"
        for hour in (9, 10, 11, 14, 15, 16):
            if stable_unit(clinic, department, doctor, day, hour) < 0.35:
                continue
            out.append(
                {
                    "clinic": clinic,
                    "department": department,
                    "doctor": doctor,
                    "time": f"{day} {hour:02d}:00",
                    "fee": 20 + 30 * k,
                }
            )
    return out


@tool(say=common.lister("slots", _slot_line))
def find_appointments(ctx: ToolContext, department: str, date: str = "", clinic: str = "") -> dict:
    """Free appointment slots in a department on a day (fictional clinics).

    Args:
        department: e.g. 内科, 儿科, 皮肤科, 口腔科 (or in English)
        date: the day, YYYY-MM-DD (default: the soonest, today's and tomorrow's)
        clinic: part of a clinic's name (any when empty)
    """
    dep = _department(department)
    now = common.local_now(ctx)
    days = [common.parse_date(date, ctx)] if date else [now.date(), now.date() + timedelta(days=1)]
    slots = [
        s
        for day in days
        for c in CLINICS
        if not clinic or clinic in c
        for s in _slots(c, dep, day.isoformat())
        if s["time"] > f"{now:%Y-%m-%d %H:%M}"
    ]
    slots.sort(key=lambda s: s["time"])
    taken = {(o["data_clinic"], o["time"], o["doctor"]) for o in _taken(ctx)}
    slots = [s for s in slots if (s["clinic"], s["time"], s["doctor"]) not in taken]
    return {"slots": slots[:15], "note": SANDBOX}


def _taken(ctx: ToolContext) -> list[dict[str, Any]]:
    from sqlalchemy import select

    rows = ctx.db.scalars(
        select(common.ServiceOrder).where(
            common.ServiceOrder.service == "health", common.ServiceOrder.status == "confirmed"
        )
    )
    return [{"data_clinic": o.data["clinic"], "time": o.data["time"], "doctor": o.data["doctor"]} for o in rows]


@tool(confirm=True, undo="cancel_appointment", title=("预约挂号", "Doctor's appointment"))
def book_appointment(ctx: ToolContext, clinic: str, department: str, doctor: str, time: common.Moment) -> dict:
    """Book a clinic appointment (sandbox) in a free slot from find_appointments.

    Args:
        clinic: the clinic's name
        department: the department
        doctor: the doctor's name
        time: the slot, 'YYYY-MM-DD HH:MM'
    """
    dep = _department(department)
    when = common.parse_when(time, ctx)
    common.not_past(when, ctx)
    slot_time = when.strftime("%Y-%m-%d %H:%M")
    c = next((x for x in CLINICS if clinic and clinic in x), None)
    slot = (
        next(
            (
                s
                for s in _slots(c, dep, when.date().isoformat())
                if s["doctor"] == doctor.strip() and s["time"] == slot_time
            ),
            None,
        )
        if c
        else None
    )
    if slot is None:
        raise Refused("that slot does not exist; use find_appointments")
    if any(t["data_clinic"] == c and t["time"] == slot_time and t["doctor"] == slot["doctor"] for t in _taken(ctx)):
        raise Refused("that slot was just taken; pick another")
    return common.record_order(
        ctx,
        service="health",
        kind="appointment",
        title=f"{c} {dep} {slot['doctor']} {slot_time}",
        total=slot["fee"],
        data={
            "clinic": c,
            "department": dep,
            "doctor": slot["doctor"],
            "time": slot_time,
            "departure": slot_time,
            "bring": "ID card and medical insurance card",
        },
    )


@tool(say=common.say_orders)
def list_appointments(ctx: ToolContext) -> dict:
    """The user's clinic appointments."""
    return {"appointments": common.list_orders(ctx, "health"), "note": SANDBOX}


@tool(confirm=True, title=("取消预约", "Cancel an appointment"))
def cancel_appointment(ctx: ToolContext, appointment_id: common.Record) -> dict:
    """Cancel a clinic appointment (free until it starts).

    Args:
        appointment_id: the appointment's id
    """
    order = common.get_order(ctx, appointment_id, "health")
    if order.status == "cancelled":
        return common.order_dict(order) | {"already": True}
    if datetime.fromisoformat(order.data["time"]) <= common.local_now(ctx):
        raise Refused("the appointment time has passed")
    return common.set_status(ctx, order, "cancelled")


@tool(confirm=True, undo="cancel_reminder", title=("用药提醒", "Medication reminder"))
def add_medication_reminder(
    ctx: ToolContext, medicine: str, time: common.Moment, dose: str = "", every_hours: common.RepeatHours = 24
) -> dict:
    """Remind the user to take a medicine, repeating (daily by default).

    Args:
        medicine: the medicine's name
        time: the first time, 'HH:MM' or 'YYYY-MM-DD HH:MM'
        dose: how much, e.g. 1片
        every_hours: repeat every so many hours (4-168)
    """
    if not 4 <= every_hours <= 168:
        raise InvalidInput("every_hours must be 4-168")
    text = f"吃药 / take medicine: {medicine}" + (f" {dose}" if dose else "")
    return create_reminder(ctx, text, common.parse_when(time, ctx), every_hours * 60, "medication")


_ANY_SLOT = re.compile(r"随便|都行|都可以|哪个时间都|最早|第一个|any time|anytime|earliest|first", re.I)
_BOOK = re.compile(r"挂|预约|约个|看医生|book|appointment", re.I)


def _said(words: Any, low: str) -> bool:
    return any((w in low if not w.isascii() else re.search(rf"\b{re.escape(w)}\b", low)) for w in words)


def read_request(text: str, history: list[str]) -> list[Planned]:
    """Appointments a request clearly asks for (no model): the free slots of the department it
    names, or that sees the symptom it names (「我想挂个号，最近老是头疼」: 内科), on the day it says
    or the soonest; with "any time" / "the earliest", the first free slot is proposed (the user
    still confirms). Symptoms named in the service's tables, with no appointment asked for, get
    their safe information, and so does a warning sign (chest pain) in any request: emergency
    advice first. Other symptom wording is left to the model."""
    low = text.lower()
    deps = {name for words, name in DEPARTMENTS.items() if _said(words.lower().split(), low)}
    symptoms = [key for key in INFO if _said([n.strip() for n in key.split(",")], low)]
    booking = _BOOK.search(low)
    if _said([w for words, _ in RED_FLAGS for w in words], low) or (symptoms and not booking):
        return [Planned("symptom_info", {"symptoms": text})]  # a warning sign: emergency advice first
    if not booking:
        return []
    deps = deps or {SEES[key.split(",")[0]] for key in symptoms}
    if len(deps) != 1:
        return []
    dep, when = deps.pop(), days.DAY.search(text)
    plans = [Planned("find_appointments", {"department": dep} | ({"date": when.group(0).lower()} if when else {}))]
    if _ANY_SLOT.search(low):
        first = {k: FromStep(0, f"slots.0.{k}") for k in ("clinic", "doctor", "time")}
        plans.append(Planned("book_appointment", first | {"department": dep}))
    return plans


def build(settings: Settings) -> Service:
    return Service(
        name="health",
        advises=True,
        plan=read_request,
        title="Health",
        description="Safe symptom information (never a diagnosis) with emergency advice, clinic appointments, "
        "medication reminders. " + SANDBOX,
        tools=[
            symptom_info,
            find_appointments,
            book_appointment,
            list_appointments,
            cancel_appointment,
            add_medication_reminder,
        ],
        examples=[
            "我头疼发烧怎么办",
            "胸口痛喘不上气",
            "帮我挂明天上午的内科号",
            "预约周三的牙医",
            "每天早上8点提醒我吃降压药",
            "取消我的挂号",
            "I have a fever and a cough",
            "chest pain and shortness of breath",
            "book a doctor's appointment for tomorrow",
            "remind me to take my pills at 9 every day",
        ],
        tool_keywords={
            "symptom_info": [
                "疼",
                "痛",
                "发烧",
                "咳嗽",
                "症状",
                "不舒服",
                "怎么办",
                "喘",
                "symptom",
                "fever",
                "cough",
                "pain",
                "hurt",
                "sick",
                "what should i do",
            ],
            "find_appointments": ["挂号", "挂", "预约", "看医生", "appointment", "doctor"],
            "book_appointment": ["挂号", "挂", "预约", "appointment", "book"],
            "list_appointments": ["我的预约", "我的挂号", "my appointments"],
            "cancel_appointment": ["取消", "cancel"],
            "add_medication_reminder": ["吃药", "药", "medicine", "pill", "medication"],
        },
        keywords=[
            *DEPARTMENTS.values(),  # "帮我挂口腔科"
            "挂号",
            "挂个号",
            "挂一个号",
            "挂专家号",
            "头疼",
            "头痛",
            "发烧",
            "咳嗽",
            "症状",
            "不舒服",
            "疼",
            "痛",
            "挂号",
            "看病",
            "医生",
            "医院",
            "吃药",
            "药",
            "胸口",
            "喘",
            "symptom",
            "fever",
            "cough",
            "pain",
            "doctor",
            "appointment",
            "clinic",
            "medicine",
            "pill",
            "medication",
            "sick",
            "hurts",
            "breath",
        ],
    )
