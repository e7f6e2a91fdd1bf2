"""Office & learning (sandbox, all data stays in the project's database): calendar events with
ICS export, reminders that really fire (``banshi.services.scheduler``), notes, to-dos, email
drafts (never sent), flashcards."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import or_, select

from banshi import days
from banshi.agents.tools import Planned, Service, ToolContext, tool
from banshi.config import Settings
from banshi.errors import InvalidInput, NotFound
from banshi.services import common
from banshi.services.tables import OfficeItem, Reminder

KINDS = ("event", "note", "todo", "draft", "card")


def item_dict(i: OfficeItem) -> dict[str, Any]:
    out: dict[str, Any] = {"id": i.id, "kind": i.kind, "title": i.title}
    if i.body:
        out["body"] = i.body
    if i.start_at:
        out["start"] = i.start_at.strftime("%Y-%m-%d %H:%M")
    if i.end_at:
        out["end"] = i.end_at.strftime("%Y-%m-%d %H:%M")
    if i.kind == "todo":
        out["done"] = i.done
    return out | (i.data or {})


def reminder_dict(r: Reminder) -> dict[str, Any]:
    return {
        "id": r.id,
        "kind": r.kind,
        "text": r.text,
        "due": common.to_local(r.due_at).strftime("%Y-%m-%d %H:%M"),
        "repeat_minutes": r.repeat_minutes,
        "active": r.active,
        "fired": r.fire_count,
    }


def _lines(rows: list[dict[str, Any]], line: Any, none: str, zh: bool) -> str:
    return "\n".join(f"- {line(r, zh)}" for r in rows) if rows else none


def say_events(data: dict[str, Any], zh: bool) -> str:
    def line(e: dict[str, Any], zh: bool) -> str:
        where = e.get("location")
        return f"{e.get('start', '')} {e['title']}" + ((f"（{where}）" if zh else f" ({where})") if where else "")

    span = data["from"] if data["from"] == data["to"] else f"{data['from']} – {data['to']}"
    none = f"{span} 日历上没有安排。" if zh else f"Nothing on the calendar for {span}."
    return _lines(data["events"], line, none, zh)


def say_todos(data: dict[str, Any], zh: bool) -> str:
    def line(t: dict[str, Any], zh: bool) -> str:
        due = t.get("start")
        return t["title"] + ((f"（截止 {due}）" if zh else f" (due {due})") if due else "")

    return _lines(data["todos"], line, "没有待办事项。" if zh else "No to-dos.", zh)


def say_reminders(data: dict[str, Any], zh: bool) -> str:
    def line(r: dict[str, Any], zh: bool) -> str:
        repeat = common.every(r["repeat_minutes"], zh) if r["repeat_minutes"] else ""
        return f"{r['due']} {r['text']}" + ((f"（{repeat}）" if zh else f" ({repeat})") if repeat else "")

    return _lines(data["reminders"], line, "没有提醒。" if zh else "No reminders.", zh)


def _add(ctx: ToolContext, kind: str, title: str, **fields: Any) -> dict[str, Any]:
    prior = common.existing(ctx, OfficeItem)
    if prior is not None:
        return item_dict(prior) | {"replayed": True}
    if not ctx.idempotency_key:
        raise InvalidInput("a write needs an idempotency key")
    if not title.strip():
        raise InvalidInput("a title is needed")
    item = OfficeItem(
        user_id=ctx.user_id,
        kind=kind,
        title=title.strip()[:300],
        idem_key=ctx.idempotency_key,
        created_at=ctx.clock(),
        **fields,
    )
    ctx.db.add(item)
    ctx.db.flush()
    return item_dict(item)


def _item(ctx: ToolContext, item_id: str, kinds: tuple[str, ...] = KINDS) -> OfficeItem:
    item = ctx.db.get(OfficeItem, str(item_id).strip())
    if item is None or item.user_id != ctx.user_id or item.deleted or item.kind not in kinds:
        raise NotFound(f"no {'/'.join(kinds)} with id {item_id!r} for this user")
    return item


@tool(confirm=True, undo="delete_office_item", title=("添加日程", "Calendar event"))
def add_event(ctx: ToolContext, title: str, start: common.Moment, end: common.Moment = "", location: str = "") -> dict:
    """Put an event in the user's calendar.

    Args:
        title: what the event is
        start: when it starts, 'YYYY-MM-DD HH:MM'
        end: when it ends, 'YYYY-MM-DD HH:MM' (default: one hour after start)
        location: where
    """
    s = common.parse_when(start, ctx, field="start")
    e = common.parse_when(end, ctx, field="end") if end else s + timedelta(hours=1)
    if e <= s:
        raise InvalidInput("end must be after start")
    return _add(ctx, "event", title, start_at=s, end_at=e, data={"location": location} if location else {})


#: a plan as memory states it, one a line: 「- 用户12月11日要去北京出差」, "- User is flying to Tokyo on December 1"
_TOLD_PLAN = re.compile(r"^-\s*(?:用户|User is )(.+)$", re.M)


_WEEK = re.compile(r"(?:这|本|下)周(?![一二三四五六日天1-7])|(?:这|下)个?星期(?![一二三四五六日天1-7])"
                   r"|\b(?:this|next) week\b", re.I)


def caution_plans(agenda: dict[str, Any], known: str, request: str, zh: bool) -> str:
    """The plans the user told of (memory's facts) on the days listed, which the calendar does
    not hold: 「我下周有什么安排？」 had been answered 「日历上没有安排」 with a trip told the turn before."""
    first, last = (datetime.fromisoformat(agenda[k]).date() for k in ("from", "to"))
    said = []
    for m in _TOLD_PLAN.finditer(known):
        day = days.DAY.search(m.group(1))
        when = days.spoken_day(day.group(0), first) if day else None
        if when is not None and first <= when <= last and m.group(1).strip() not in said:
            said.append(m.group(1).strip())
    if not said:
        return ""
    return "另外，你跟我说过：" + "；".join(said) + "。" if zh else "You also told me: " + "; ".join(said) + "."


@tool(say=say_events, caution=caution_plans)
def list_events(ctx: ToolContext, start_date: str = "", days: int = 7) -> dict:
    """Calendar events from a date (default today) for some days.

    Args:
        start_date: first day, YYYY-MM-DD (default today)
        days: how many days (1-366)
    """
    first = common.parse_date(start_date, ctx) if start_date else common.local_now(ctx).date()
    lo = datetime.combine(first, datetime.min.time())
    hi = lo + timedelta(days=max(1, min(days, 366)))
    rows = ctx.db.scalars(
        select(OfficeItem)
        .where(
            OfficeItem.user_id == ctx.user_id,
            OfficeItem.kind == "event",
            OfficeItem.deleted.is_(False),
            OfficeItem.start_at < hi,
            OfficeItem.end_at >= lo,
        )
        .order_by(OfficeItem.start_at)
    )
    return {
        "from": lo.date().isoformat(),
        "to": (hi.date() - timedelta(days=1)).isoformat(),
        "events": [item_dict(i) for i in rows],
    }


def ics(items: list[OfficeItem], now: datetime) -> str:
    """An iCalendar (RFC 5545) document for events; times are floating local times."""

    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")

    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Banshi//Office//EN", "CALSCALE:GREGORIAN"]
    for i in items:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{i.id}@banshi",
            f"DTSTAMP:{now:%Y%m%dT%H%M%SZ}",
            f"DTSTART:{i.start_at:%Y%m%dT%H%M%S}",
            f"DTEND:{i.end_at:%Y%m%dT%H%M%S}",
            f"SUMMARY:{esc(i.title)}",
        ]
        if (i.data or {}).get("location"):
            lines.append(f"LOCATION:{esc(i.data['location'])}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def calendar_ics(db: Any, user_id: str, now: datetime) -> str:
    rows = list(
        db.scalars(
            select(OfficeItem)
            .where(OfficeItem.user_id == user_id, OfficeItem.kind == "event", OfficeItem.deleted.is_(False))
            .order_by(OfficeItem.start_at)
        )
    )
    return ics(rows, now)


@tool
def export_calendar_ics(ctx: ToolContext) -> dict:
    """The user's whole calendar as an iCalendar (.ics) document; also at GET /api/calendar.ics."""
    return {"ics": calendar_ics(ctx.db, ctx.user_id, ctx.clock()), "download": "/api/calendar.ics"}


@tool(confirm=True, undo="cancel_reminder", title=("设提醒", "Reminder"))
def add_reminder(ctx: ToolContext, text: str, at: common.Moment, repeat_minutes: common.Repeat = 0) -> dict:
    """Remind the user at a time; it fires in the web UI even after a server restart.

    Args:
        text: what to remind about
        at: when, 'YYYY-MM-DD HH:MM' or 'HH:MM' (next occurrence)
        repeat_minutes: repeat every so many minutes (0: once; 1440: daily)
    """
    return create_reminder(ctx, text, common.parse_when(at, ctx, field="at"), repeat_minutes, "reminder")


def create_reminder(
    ctx: ToolContext, text: str, local_when: datetime, repeat_minutes: int, kind: str
) -> dict[str, Any]:
    prior = common.existing(ctx, Reminder)
    if prior is not None:
        return reminder_dict(prior) | {"replayed": True}
    if not ctx.idempotency_key:
        raise InvalidInput("a write needs an idempotency key")
    common.not_past(local_when, ctx, "at")
    if not text.strip():
        raise InvalidInput("what should the reminder say?")
    if repeat_minutes < 0 or (0 < repeat_minutes < 5):
        raise InvalidInput("repeat_minutes must be 0 or at least 5")
    r = Reminder(
        user_id=ctx.user_id,
        kind=kind,
        text=text.strip()[:500],
        due_at=common.to_utc(local_when),
        repeat_minutes=repeat_minutes,
        idem_key=ctx.idempotency_key,
        created_at=ctx.clock(),
    )
    ctx.db.add(r)
    ctx.db.flush()
    return reminder_dict(r)


@tool(say=say_reminders)
def list_reminders(ctx: ToolContext) -> dict:
    """The user's active reminders (also medication reminders), soonest first."""
    rows = ctx.db.scalars(
        select(Reminder).where(Reminder.user_id == ctx.user_id, Reminder.active.is_(True)).order_by(Reminder.due_at)
    )
    return {"reminders": [reminder_dict(r) for r in rows]}


@tool(confirm=True, title=("取消提醒", "Cancel a reminder"))
def cancel_reminder(ctx: ToolContext, reminder_id: common.Record) -> dict:
    """Stop a reminder (also a medication reminder).

    Args:
        reminder_id: the reminder's id
    """
    r = ctx.db.get(Reminder, str(reminder_id).strip())
    if r is None or r.user_id != ctx.user_id:
        raise NotFound(f"no reminder with id {reminder_id!r} for this user")
    r.active = False
    ctx.db.flush()
    return reminder_dict(r)


@tool(confirm=True, undo="delete_office_item", title=("记笔记", "Note"))
def add_note(ctx: ToolContext, title: str, body: str = "") -> dict:
    """Save a note.

    Args:
        title: the note's title
        body: the note's text
    """
    return _add(ctx, "note", title, body=body)


@tool
def search_notes(ctx: ToolContext, query: str = "") -> dict:
    """The user's notes whose title or text contains the query (all notes when empty).

    Args:
        query: words to look for
    """
    q = select(OfficeItem).where(
        OfficeItem.user_id == ctx.user_id, OfficeItem.kind == "note", OfficeItem.deleted.is_(False)
    )
    if query:
        q = q.where(or_(OfficeItem.title.contains(query), OfficeItem.body.contains(query)))
    return {"notes": [item_dict(i) for i in ctx.db.scalars(q.order_by(OfficeItem.created_at.desc()).limit(30))]}


@tool(confirm=True, undo="delete_office_item", title=("添加待办", "To-do"))
def add_todo(ctx: ToolContext, title: str, due: common.Moment = "") -> dict:
    """Add a to-do.

    Args:
        title: what needs doing
        due: by when, 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM' (optional)
    """
    return _add(ctx, "todo", title, start_at=common.parse_when(due, ctx, field="due") if due else None)


@tool(say=say_todos)
def list_todos(ctx: ToolContext, include_done: bool = False) -> dict:
    """The user's to-dos.

    Args:
        include_done: also list finished ones
    """
    q = select(OfficeItem).where(
        OfficeItem.user_id == ctx.user_id, OfficeItem.kind == "todo", OfficeItem.deleted.is_(False)
    )
    if not include_done:
        q = q.where(OfficeItem.done.is_(False))
    return {"todos": [item_dict(i) for i in ctx.db.scalars(q.order_by(OfficeItem.created_at))]}


@tool(confirm=True, title=("完成待办", "Complete a to-do"))
def complete_todo(ctx: ToolContext, todo_id: common.Record) -> dict:
    """Mark a to-do as done.

    Args:
        todo_id: the to-do's id
    """
    item = _item(ctx, todo_id, ("todo",))
    item.done = True
    ctx.db.flush()
    return item_dict(item)


@tool(confirm=True, undo="delete_office_item", composed=("subject", "body"), title=("起草邮件", "Email draft"))
def draft_email(ctx: ToolContext, to: str, subject: str, body: str) -> dict:
    """Save an email draft for the user to send themselves (Banshi never sends email).

    Args:
        to: recipient address or name
        subject: the subject line
        body: the email's text
    """
    return _add(ctx, "draft", subject or "(no subject)", body=body, data={"to": to, "sent": False})


@tool(confirm=True, undo="delete_office_item", title=("添加卡片", "Flashcard"))
def add_flashcard(ctx: ToolContext, front: str, back: str, deck: str = "default") -> dict:
    """Add a flashcard to study.

    Args:
        front: the question side
        back: the answer side
        deck: which deck
    """
    return _add(ctx, "card", front, body=back, data={"deck": deck, "box": 1})


@tool
def quiz_flashcards(ctx: ToolContext, deck: str = "", count: int = 5) -> dict:
    """Cards to review now: lowest Leitner box first (the ones the user knows least).

    Args:
        deck: only this deck (all when empty)
        count: how many cards (1-20)
    """
    rows = [
        i
        for i in ctx.db.scalars(
            select(OfficeItem).where(
                OfficeItem.user_id == ctx.user_id, OfficeItem.kind == "card", OfficeItem.deleted.is_(False)
            )
        )
        if not deck or (i.data or {}).get("deck") == deck
    ]
    rows.sort(key=lambda i: ((i.data or {}).get("box", 1), i.created_at))
    return {
        "cards": [
            {"id": i.id, "front": i.title, "back": i.body, "box": (i.data or {}).get("box", 1)}
            for i in rows[: max(1, min(count, 20))]
        ]
    }


@tool
def grade_flashcard(ctx: ToolContext, card_id: str, correct: bool) -> dict:
    """Record a review: a right answer moves the card up a box (max 5), a wrong one back to box 1.

    Args:
        card_id: the card's id
        correct: whether the user knew the answer
    """
    item = _item(ctx, card_id, ("card",))
    box = int((item.data or {}).get("box", 1))
    item.data = {**(item.data or {}), "box": min(5, box + 1) if correct else 1}
    ctx.db.flush()
    return item_dict(item)


@tool(confirm=True, title=("删除", "Delete"))
def delete_office_item(ctx: ToolContext, item_id: common.Record) -> dict:
    """Delete a calendar event, note, to-do, email draft or flashcard.

    Args:
        item_id: the item's id
    """
    item = _item(ctx, item_id)
    item.deleted = True
    ctx.db.flush()
    return item_dict(item) | {"deleted": True}


_ISO_WHEN = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}:\d{2})?")
_DAILY = re.compile(r"每天|每日|every day|daily", re.I)
_CLOCK_WORDS = re.compile(
    r"(?:每天|每日|" + days.DAY.pattern + r")?\s*(?:上午|下午|晚上|早上|中午)?\s*"
    r"(?:\d{1,2}|[一两二三四五六七八九十]{1,3})\s*(?:[:：]\d{2}|点\s*(?:半|\d{1,2}\s*分?)?)"
)

_EN_CLOCK = re.compile(
    r"\b\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)(?!\w)"
    r"|\b(?:noon|midnight|tonight|this (?:morning|afternoon|evening))\b",
    re.I,
)


def _when(text: str) -> str:
    m = _ISO_WHEN.search(text)
    if m and ":" in m.group(0):
        return m.group(0)
    return common.spoken_clock(text)


def _strip(what: str) -> str:
    """The thing itself, without the times and filler around it."""
    what = _ISO_WHEN.sub(" ", what)
    what = _CLOCK_WORDS.sub(" ", _EN_CLOCK.sub(" ", what))
    # "pay rent next Friday": the day is the reminder's time (a Chinese one goes with its clock)
    what = re.sub(r"\b(?:next |this |on )?(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\b(?:this |the )?weekend\b",
                  " ", what, flags=re.I)
    what = re.sub(r"\b(?:on|at|tomorrow|today|every day|daily)\b", " ", what, flags=re.I)
    return re.sub(r"\s+", " ", what).strip(" ，,。.'\"“”‘’：:")


#: who an email asked for goes to: 「写一封给王老师的邮件」, 「写一封邮件给房东，说…」, "write an email to my landlord"
_EMAIL_TO = re.compile(
    r"(?:写|起草|草拟)一?封?(?:给|发给)([^，,。；;的]+)的?[^，,。；;]{0,4}?(?:邮件|email)"
    r"|(?:写|起草|草拟|发)一?封(?:邮件|email)(?:给|发给)([^，,。；;]+?)(?=[，,。；;]|说|告诉|$)"
    r"|\b(?:write|draft) an? (?:e-?mail|message) to (?:my )?([\w .'-]+?)(?= about\b| saying\b| that\b|[,.;]|$)",
    re.I,
)


#: a question about the user's day: its events and to-dos
_MY_DAY = re.compile(
    r"(?:今天|明天|后天|周.|星期.|这周|本周|下周|(?:这|下)个?星期)(?:有什么|有啥|有哪些)(?:安排|事|日程)"
    r"|(?:今天|明天)(?:我)?要做什么"
    r"|\bwhat (?:do|have) i (?:have|got)(?: to do| on)?\b|\bwhat'?s on (?:my|for)\b|\bmy (?:schedule|agenda)\b",
    re.I,
)


def read_request(text: str, history: list[str]) -> list[Planned]:
    """Office writes the request spells out (no model): a reminder ("明天15:00提醒我…",
    "remind me to … at …", 「提醒我朵朵生日前一天买蛋糕」 by the birthday memory holds, in
    ``history``), a to-do ("添加待办：…"), a note ("记一下笔记：…"). Each is only proposed; the
    user confirms."""
    m = re.search(r"提醒我\s*(.+)|remind me (?:to\s+)?(.+)", text, re.I)
    if m:
        said, when = m.group(1) or m.group(2), _when(text)
        # a day said by a birthday memory holds (「朵朵生日前一天」, "the day before Emma's birthday")
        if by_birthday := common.remembered_day(text, "\n".join(history), date.today()):
            day, words = by_birthday
            said = said.replace(words, " ")
            clock = common.spoken_clock(text.replace(words, " "))
            at = common.spoken_time(clock, datetime.combine(day, time())) if clock else None
            when = (at or datetime.combine(day, time(9))).strftime("%Y-%m-%d %H:%M")
        what = re.sub(r"^(?:to|about|of)\s+", "", _strip(said), flags=re.I)
        if not when or not what:
            return []
        daily = {"repeat_minutes": 1440} if _DAILY.search(text) else {}
        return [Planned("add_reminder", {"text": what, "at": re.sub(r"^(?:每天|每日)\s*", "", when)} | daily)]
    m = re.search(
        r"把(.+?)(?:加到|加入|放到|添加到)(?:我的)?日历|add\s+(.+?)\s+to my calendar"
        r"|日历(?:上|里)?(?:加|添加|记|放)(?:上)?(?:一个|一条|个)?(.+)",  # 「在日历上加一个下周一上午10点的组会」
        text,
        re.I,
    )
    if m:
        said = next(g for g in m.groups() if g)
        times = re.findall(r"(\d{1,2}:\d{2})", said)
        day = days.DAY.search(said)
        what = re.sub(r"^(?:an?\s+|的)", "", _strip(re.sub(r"(?:到|至|-|to)\s*\d{1,2}:\d{2}", " ", said)), flags=re.I)
        what = re.sub(r"^的|的$", "", what).strip()
        if times and day and what:
            args = {"title": what, "start": f"{day.group(0)} {times[0]}"}
            return [Planned("add_event", args | ({"end": f"{day.group(0)} {times[1]}"} if len(times) > 1 else {}))]
        when = common.spoken_clock(said)
        return [Planned("add_event", {"title": what, "start": when})] if when and what else []
    if _MY_DAY.search(text):  # 「今天有什么安排？」, "What do I have to do today?"
        if week := _WEEK.search(text):  # 「下周有什么安排？」: Monday to Sunday (it had begun on Tuesday)
            start = "下周一" if re.match(r"下|next", week.group(0), re.I) else "这周一"
            return [Planned("list_events", {"start_date": start, "days": 7}), Planned("list_todos", {})]
        day = days.DAY.search(text)
        return [Planned("list_events", {"days": 1} | ({"start_date": day.group(0)} if day else {})),
                Planned("list_todos", {})]
    m = _EMAIL_TO.search(text)
    if m:
        to = next(g for g in m.groups() if g).strip()
        subject = re.search(r"(?:主题|标题)(?:是|为)?\s*[：:]?\s*([^，,。；;]+)", text)
        body = re.search(r"(?:内容|正文)(?:是|为)?\s*[：:]?\s*(.+)$", text)
        if not subject or not body:
            # what it is about said (说暖气坏了, about the heater): the model writes it, to the one said
            # (not an address it makes up); nothing said: the model asks
            about = re.search(r"说|告诉|关于|\babout\b|\bsaying\b|\bthat\b", text[m.end() :], re.I)
            return [Planned("draft_email", {"to": to}, final=False)] if about else []
        what = body.group(1).strip(" 。.")
        what = re.sub(r"^说", "", what).strip()
        return [Planned("draft_email", {"to": to, "subject": subject.group(1).strip(), "body": what})]
    m = re.search(r"待办(?:事项)?\s*[：:]\s*(.+)|add\s+(.+?)\s+to my to-?do", text, re.I)
    if m:
        what = (m.group(1) or m.group(2)).strip(" '\"“”‘’。.")
        return [Planned("add_todo", {"title": what})] if what else []
    m = re.search(r"(?:笔记|记一下)\s*[：:]\s*(.+)|(?:take|make) a note\s*[：:]?\s*(.+)", text, re.I)
    if m:
        what = (m.group(1) or m.group(2)).strip(" '\"“”‘’。.")
        return [Planned("add_note", {"title": what[:40], "body": what})] if what else []
    return []


def build(settings: Settings) -> Service:
    return Service(
        name="office",
        plan=read_request,
        title="Office & learning",
        description="Calendar, reminders, notes, to-dos, email drafts, ICS export, flashcards. "
        "Stored locally; emails are drafts only.",
        tools=[
            add_event,
            list_events,
            export_calendar_ics,
            add_reminder,
            list_reminders,
            cancel_reminder,
            add_note,
            search_notes,
            add_todo,
            list_todos,
            complete_todo,
            draft_email,
            add_flashcard,
            quiz_flashcards,
            grade_flashcard,
            delete_office_item,
        ],
        examples=[
            "明天下午3点提醒我开会",
            "把周五上午10点的牙医预约加到日历",
            "我这周有什么安排",
            "记一下：车停在B2层",
            "添加待办：交房租",
            "帮我起草一封给王老师的邮件",
            "导出我的日历",
            "给我出几道单词卡片测验",
            "remind me to call mom at 6pm",
            "add a meeting with Alice tomorrow at 10",
            "what's on my calendar this week",
            "take a note: wifi password is 1234",
            "add buy milk to my to-do list",
            "draft an email to my boss",
            "quiz me on my flashcards",
        ],
        tool_keywords={
            "add_event": ["日历", "日程", "会议", "评审会", "加到", "calendar", "meeting", "event"],
            "list_events": ["安排", "有什么事", "日程表", "schedule", "agenda", "what's on"],
            "export_calendar_ics": ["导出", "ics", "export"],
            "add_reminder": ["提醒", "remind"],
            "list_reminders": ["我的提醒", "有哪些提醒", "提醒我的", "my reminders"],
            "cancel_reminder": ["取消提醒", "不用提醒", "cancel the reminder", "stop reminding"],
            "add_note": ["笔记", "记一下", "记下", "备忘", "take a note", "note:", "write down"],
            "search_notes": ["找笔记", "笔记里", "我记过", "my notes", "find the note"],
            "add_todo": ["待办", "to-do", "todo", "to do list"],
            "list_todos": ["待办事项", "还有什么要做", "my to-dos", "my todo"],
            "complete_todo": ["完成了", "做完", "done with", "mark"],
            "draft_email": ["邮件", "email", "mail"],
            "add_flashcard": ["加一张卡片", "添加卡片", "add a flashcard", "add flashcard"],
            "quiz_flashcards": ["测验", "复习", "考考我", "quiz", "review my"],
            "grade_flashcard": ["答对", "答错", "i got it", "i knew"],
            "delete_office_item": ["删除", "删掉", "delete", "remove"],
        },
        keywords=[
            "提醒",
            "日历",
            "日程",
            "安排",
            "会议",
            "笔记",
            "记一下",
            "备忘",
            "待办",
            "邮件",
            "草稿",
            "卡片",
            "remind",
            "calendar",
            "schedule",
            "meeting",
            "note",
            "to-do",
            "todo",
            "email",
            "flashcard",
            "agenda",
            "ics",
            "have to do",
            "what's on my",
        ],
        sandbox=False,
    )
