"""Office: calendar + ICS, notes, to-dos, drafts, flashcards; reminders fire from the database
(so they survive a restart), repeat, and become notifications until acknowledged."""

from __future__ import annotations

from datetime import timedelta

import pytest

from banshi.services import scheduler
from banshi.services.scheduler import Scheduler
from banshi.services.tables import Reminder


def test_calendar_and_ics(registry, ctx):
    e = registry.run("add_event", {"title": "牙医, 复查", "start": "2026-06-05 10:00", "location": "朝阳"}, ctx("e1"))
    assert e.ok and e.data["end"] == "2026-06-05 11:00"
    assert (
        registry.run(
            "add_event", {"title": "x", "start": "2026-06-05 10:00", "end": "2026-06-05 09:00"}, ctx("e2")
        ).code
        == "invalid_input"
    )
    week = registry.run("list_events", {"start_date": "2026-06-01", "days": 7}, ctx()).data["events"]
    assert [x["title"] for x in week] == ["牙医, 复查"]
    assert registry.run("list_events", {"start_date": "2026-06-06"}, ctx()).data["events"] == []
    assert registry.run("list_events", {"start_date": "2026-06-01"}, ctx(user=1)).data["events"] == []
    ics = registry.run("export_calendar_ics", {}, ctx()).data["ics"]
    assert ics.startswith("BEGIN:VCALENDAR") and "DTSTART:20260605T100000" in ics
    assert "SUMMARY:牙医\\, 复查" in ics and "LOCATION:朝阳" in ics and ics.count("BEGIN:VEVENT") == 1
    gone = registry.run("delete_office_item", {"item_id": e.data["id"]}, ctx("d1"))
    assert gone.ok and registry.run("list_events", {"start_date": "2026-06-01"}, ctx()).data["events"] == []


def test_notes_todos_drafts_cards(registry, ctx):
    registry.run("add_note", {"title": "停车", "body": "车停在B2层"}, ctx("n1"))
    assert registry.run("search_notes", {"query": "B2"}, ctx()).data["notes"][0]["title"] == "停车"
    assert registry.run("search_notes", {"query": "B2"}, ctx(user=1)).data["notes"] == []
    t = registry.run("add_todo", {"title": "交房租", "due": "2026-06-10"}, ctx("t1")).data
    registry.run("complete_todo", {"todo_id": t["id"]}, ctx("t2"))
    assert registry.run("list_todos", {}, ctx()).data["todos"] == []
    assert registry.run("list_todos", {"include_done": True}, ctx()).data["todos"][0]["done"] is True
    d = registry.run("draft_email", {"to": "王老师", "subject": "请假", "body": "您好"}, ctx("m1")).data
    assert d["sent"] is False and d["to"] == "王老师"
    c = registry.run("add_flashcard", {"front": "apple", "back": "苹果"}, ctx("f1")).data
    registry.run("grade_flashcard", {"card_id": c["id"], "correct": True}, ctx())
    cards = registry.run("quiz_flashcards", {}, ctx()).data["cards"]
    assert cards == [{"id": c["id"], "front": "apple", "back": "苹果", "box": 2}]


def test_reminders_fire_repeat_and_survive_restart(settings, registry, ctx, db, now):
    once = registry.run("add_reminder", {"text": "开会", "at": "2026-06-01 20:00"}, ctx("r1")).data
    again = registry.run("add_reminder", {"text": "开会", "at": "2026-06-01 20:00"}, ctx("r1")).data
    assert again["id"] == once["id"]  # idempotent
    daily = registry.run(
        "add_medication_reminder", {"medicine": "降压药", "time": "2026-06-01 21:00", "dose": "1片"}, ctx("r2")
    ).data
    assert daily["repeat_minutes"] == 1440 and daily["kind"] == "medication"
    assert registry.run("add_reminder", {"text": "x", "at": "2020-01-01 08:00"}, ctx("r3")).code == "refused"
    db.commit()
    r1 = db.get(Reminder, once["id"])
    # nothing is due yet
    assert scheduler.fire_due(db, r1.due_at - timedelta(seconds=1)) == []
    # a "restart": a fresh scheduler (new thread, new sessions) finds what fell due while it was down
    fired = scheduler.fire_due(db, r1.due_at + timedelta(days=2, minutes=1))
    assert {r.id for r in fired} == {once["id"], daily["id"]}
    db.commit()
    db.expire_all()
    assert db.get(Reminder, once["id"]).active is False
    d = db.get(Reminder, daily["id"])
    assert d.active and d.due_at > r1.due_at + timedelta(days=2)  # re-armed in the future, missed ones skipped
    notes = scheduler.notifications(db, ctx().user_id)
    assert {n["text"] for n in notes} == {"开会", "吃药 / take medicine: 降压药 1片"}
    assert scheduler.notifications(db, ctx(user=1).user_id) == []
    assert not scheduler.acknowledge(db, ctx(user=1).user_id, once["id"])  # not bob's
    assert scheduler.acknowledge(db, ctx().user_id, once["id"])
    db.commit()
    assert [n["id"] for n in scheduler.notifications(db, ctx().user_id)] == [daily["id"]]


def test_the_scheduler_thread_fires_due_reminders(settings, db, users):
    from banshi.store.tables import utcnow

    db.add(Reminder(user_id=users[0], text="now", due_at=utcnow() - timedelta(seconds=1), idem_key="k"))
    db.commit()
    settings.scheduler_interval = 0.05
    runner = Scheduler(settings)
    runner.start()
    try:
        import time

        deadline = time.time() + 10
        while runner.fired == 0 and time.time() < deadline:
            time.sleep(0.05)
    finally:
        runner.stop()
    assert runner.fired == 1
    db.expire_all()
    assert [n["text"] for n in scheduler.notifications(db, users[0])] == ["now"]


def test_plans_told_to_memory_follow_the_calendar_of_their_days():
    """「我下周有什么安排？」 had been answered 「日历上没有安排」 the turn after 「我下周五要去北京出差」."""
    from banshi.services.office import caution_plans

    known = ("记忆（用户之前告诉你的）：\n- 用户12月11日要去北京出差\n- 用户住在杭州\n"
             "- User is flying to Tokyo on December 9\n- 用户1月3日去上海\n我下周五要去北京出差。")
    week = {"from": "2026-12-07", "to": "2026-12-13", "events": []}
    said = "另外，你跟我说过：12月11日要去北京出差；flying to Tokyo on December 9。"
    assert caution_plans(week, known, "", True) == said
    assert caution_plans({"from": "2026-12-01", "to": "2026-12-01", "events": []}, known, "", True) == ""
    assert caution_plans(week, "- 用户住在杭州", "", False) == ""


@pytest.mark.parametrize("text, start", [("我下周有什么安排？", "下周一"),
                                         ("What's on my calendar next week?", "下周一"), ("这周有什么安排", "这周一")])
def test_a_weeks_agenda_is_monday_to_sunday(text, start):
    """「下周有什么安排？」 had been read by the model as Tuesday to Monday, or as one day, and
    "What's on my calendar next week?" as today."""
    from banshi.agents.tools import Planned
    from banshi.services import office

    assert office.read_request(text, []) == [Planned("list_events", {"start_date": start, "days": 7}),
                                             Planned("list_todos", {})]


def test_a_reminder_on_a_day_said_by_a_birthday_memory_holds():
    """"Remind me the day before Emma's birthday to buy a cake." had gone to the shop ("No product
    matches"), 「提醒我朵朵生日前一天买蛋糕」 to cake delivery: the day is read from the birthday memory
    holds (the coming one), the cake is what to be reminded of."""
    from datetime import date

    from banshi.services import common, office

    known = ["记忆：\n- 朵朵生日：1月8日\n- 朵朵是用户的女儿\n- Emma's birthday: March 14\n"
             "- Emma is the user's daughter\n- 用户生日：5月20日"]
    day = common.remembered_day
    assert day("提醒我朵朵生日前一天买蛋糕", known[0], date(2026, 12, 1)) == (date(2027, 1, 7), "朵朵生日前一天")
    assert day("我女儿生日那天提醒我", known[0], date(2026, 12, 1))[0] == date(2027, 1, 8)  # by relation
    assert day("提醒我我生日前两天请假", known[0], date(2026, 12, 1))[0] == date(2027, 5, 18)
    assert day("remind me 3 days before my daughter's birthday", known[0], date(2026, 12, 1))[0] == date(2027, 3, 11)
    assert day("提醒我老婆生日前一天买花", known[0], date(2026, 12, 1)) is None  # not known
    assert day("提醒我朵朵生日前一天买蛋糕", "", date(2026, 12, 1)) is None
    # the coming birthday, whatever year is said: a birth year, or one a model's reply made up
    said = "朵朵的生日是1月10日。\n好的，朵朵的生日是2026年1月10日。\n- 用户生日：1990年5月3日"
    assert day("提醒我朵朵生日前一天买蛋糕", said, date(2026, 12, 1))[0] == date(2027, 1, 9)
    assert day("提醒我我生日那天去体检", said, date(2026, 12, 1))[0] == date(2027, 5, 3)

    def coming(month: int, day: int) -> int:  # the year of the coming such day
        return date.today().year + (date.today() > date(date.today().year, month, day))

    assert office.read_request("提醒我朵朵生日前一天买蛋糕", known)[0].arguments == {
        "text": "买蛋糕", "at": f"{coming(1, 8)}-01-07 09:00"}  # the day before the coming 1月8日
    said = office.read_request("Remind me on my daughter's birthday at 7pm to call grandma", known)[0].arguments
    assert said == {"text": "call grandma", "at": f"{coming(3, 14)}-03-14 19:00"}
    assert office.read_request("提醒我老婆生日前一天买花", known) == []  # the model asks when
