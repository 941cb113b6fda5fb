"""Records of federation work for tests, made through the services as staff would make them."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from activities import services
from activities.models import ActivityType, RecognitionTitle
from activities.seed import activity_types_seed, recognition_titles_seed

# The smallest files that start as a JPEG or a PNG does.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(50)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(50)


def seeded() -> None:
    """The default service types and titles (seeded by migrations; again after a test flushed them)."""
    activity_types_seed(ActivityType)
    recognition_titles_seed(RecognitionTitle)


def activity_type(code: str = "skills") -> ActivityType:
    seeded()
    return ActivityType.objects.get(code=code)


def title(name: str = "三八红旗手") -> RecognitionTitle:
    seeded()
    return RecognitionTitle.objects.get(name=name)


def make_activity(by, organisations=(), *, code="skills", date=dt.date(2025, 3, 8), **extra):
    data = {
        "type": activity_type(code),
        "date": date,
        "title": extra.pop("title", "巾帼技能培训"),
        "participants": 30,
        "women_served": 25,
        **extra,
    }
    return services.activity_create(by=by, data=data, organisations=list(organisations))


def photo_upload(name: str = "photo.png", content: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def make_recognition(by, *, kind="individual", name="三八红旗手", year=2024, organisation=None, **extra):
    data = {"kind": kind, "title": title(name), "year": year, "organisation": organisation, **extra}
    if kind == "individual":
        data.setdefault("person_name", "王丽")
    else:
        data.setdefault("collective_name", "测试集体")
    return services.recognition_create(by=by, data=data)


def work_world(world: dict) -> dict:
    """Federation work in 海勃湾区 for the route × role test, made once per world and kept in it."""
    if "activity" not in world:
        officer, organisation = world["people"]["district_officer"], world["organisation"]
        activity = make_activity(officer, [organisation])
        photo = services.activity_photo_add(by=officer, activity=activity, upload=photo_upload())
        alliance = services.alliance_create(
            by=officer, data={"name": "测试商圈妇建联盟", "lead": organisation}, members=[organisation]
        )
        recognition = make_recognition(officer, organisation=organisation)
        world.update(activity=activity, photo=photo, alliance=alliance, recognition=recognition)
    return world
