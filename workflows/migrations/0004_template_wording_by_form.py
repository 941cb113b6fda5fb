# Each default procedure speaks of its own form (a 妇委会's steps of 主任/副主任/委员, never of the 妇联's
# 主席/执委 or "…妇女联合会"), and the request step is filled in from the way and the form the run was started
# with. Texts change only where they still read as first seeded; an admin's own wording stays.
#
# A published version is frozen and its runs keep it, so a published default whose texts still read as seeded
# gets a corrected copy, published as the next version (the old one retires, as when an admin publishes).
# A draft is corrected in place. Going back removes the corrected versions no run has used (the one before is
# published again) and puts the drafts' first wording back.

import django.utils.timezone
from django.db import migrations, models

# (part, template key, step code, field name or packaged file, attribute, as first seeded, corrected)
CHANGES = (
    ('step', 'federation', 'request', '', 'key_notes', '组织名称为“单位全称＋妇女联合会（妇女委员会）”\n执委名额一般为5、7或15名，主席1名、副主席1至4名\n请示须加盖单位公章', '组织名称为“单位全称＋妇女联合会”\n执委名额一般为5、7或15名，主席1名、副主席1至4名\n请示须加盖单位公章'),
    ('step', 'federation', 'request', '', 'sentences', '我单位{unit_name}现有职工{employees}人，其中女职工{women}人。经研究，拟{way}{proposed_name}，设委员{seats}名，其中主席（主任）{chair_seats}名、副主席（副主任）{vice_chair_seats}名，拟于{congress_date}召开大会进行选举。', '我单位{unit_name}现有职工{employees}人，其中女职工{women}人。经研究，拟{way}{proposed_name}，设委员{seats}名，其中主席{chair_seats}名、副主席{vice_chair_seats}名，拟于{congress_date}召开大会进行选举。'),
    ('field', 'federation', 'request', 'way', 'prefill', '', 'run.way'),
    ('field', 'federation', 'request', 'proposed_name', 'prefill', '', 'run.women_org'),
    ('field', 'federation', 'request', 'chair_seats', 'label', '主席（主任）名额', '主席名额'),
    ('field', 'federation', 'request', 'vice_chair_seats', 'label', '副主席（副主任）名额', '副主席名额'),
    ('step', 'federation', 'congress', '', 'guidance', '召开大会，选举产生委员会委员。大会结束后填写计票结果。', '召开大会，选举产生执行委员会委员。大会结束后填写计票结果。'),
    ('step', 'federation', 'first_meeting', '', 'guidance', '召开第一次执委会（委员会）会议，等额选举产生主席、副主席（主任、副主任）。', '召开执委会第一次会议，等额选举产生主席、副主席。'),
    ('field', 'federation', 'first_meeting', 'leaders', 'label', '主席、副主席（主任、副主任）', '主席、副主席'),
    ('step', 'committee', 'request', '', 'guidance', '单位向上级妇联和本单位党组织报送成立妇女委员会的请示，说明成立理由、组织名称、委员名额和拟召开大会的时间。', '单位向上级妇联和本单位党组织报送成立妇女委员会的请示，说明成立理由、组织名称、委员名额和拟召开妇女大会的时间。'),
    ('step', 'committee', 'request', '', 'key_notes', '组织名称为“单位全称＋妇女联合会（妇女委员会）”\n执委名额一般为5、7或15名，主席1名、副主席1至4名\n请示须加盖单位公章', '组织名称为“单位全称＋妇女委员会”\n委员名额一般为5、7或15名，主任1名、副主任1至4名\n请示须加盖单位公章'),
    ('step', 'committee', 'request', '', 'sentences', '我单位{unit_name}现有职工{employees}人，其中女职工{women}人。经研究，拟{way}{proposed_name}，设委员{seats}名，其中主席（主任）{chair_seats}名、副主席（副主任）{vice_chair_seats}名，拟于{congress_date}召开大会进行选举。', '我单位{unit_name}现有职工{employees}人，其中女职工{women}人。经研究，拟{way}{proposed_name}，设委员{seats}名，其中主任{chair_seats}名、副主任{vice_chair_seats}名，拟于{congress_date}召开妇女大会进行选举。'),
    ('field', 'committee', 'request', 'way', 'prefill', '', 'run.way'),
    ('field', 'committee', 'request', 'proposed_name', 'help_text', '如：乌海市××有限公司妇女联合会', '如：乌海市××有限公司妇女委员会'),
    ('field', 'committee', 'request', 'proposed_name', 'prefill', '', 'run.women_org'),
    ('field', 'committee', 'request', 'chair_seats', 'label', '主席（主任）名额', '主任名额'),
    ('field', 'committee', 'request', 'vice_chair_seats', 'label', '副主席（副主任）名额', '副主任名额'),
    ('field', 'committee', 'request', 'congress_date', 'label', '拟召开大会日期', '拟召开妇女大会日期'),
    ('step', 'committee', 'congress', '', 'guidance', '召开大会，选举产生委员会委员。大会结束后填写计票结果。', '召开妇女大会，选举产生妇女委员会委员。大会结束后填写计票结果。'),
    ('step', 'committee', 'first_meeting', '', 'title', '委员会首次会议', '妇委会首次会议'),
    ('step', 'committee', 'first_meeting', '', 'guidance', '召开第一次执委会（委员会）会议，等额选举产生主席、副主席（主任、副主任）。', '召开妇委会第一次会议，等额选举产生主任、副主任。'),
    ('step', 'committee', 'first_meeting', '', 'key_notes', '主席、副主席选举可实行等额选举', '主任、副主任选举可实行等额选举'),
    ('field', 'committee', 'first_meeting', 'leaders', 'label', '主席、副主席（主任、副主任）', '主任、副主任'),
    ('step', 'committee', 'report', '', 'guidance', '将选举结果报上级妇联审批（备案），附委员名单和主席、副主席名单。', '将选举结果报上级妇联审批（备案），附委员名单和主任、副主任名单。'),
    ('field', 'committee', 'report', 'executives', 'columns', 'name:姓名\npost:职务（主席/副主席/执委）\nunit_post:单位及职务\nmobile:手机号码', 'name:姓名\npost:职务（主任/副主任/委员）\nunit_post:单位及职务\nmobile:手机号码'),
    ('step', 'committee', 'unveiling', '', 'key_notes', '挂牌后台账自动更新：组织形式、成立日期、主席和任期', '挂牌后台账自动更新：组织形式、成立日期、主任和任期'),
    ('step', 'group', 'request', '', 'guidance', '单位向上级妇联和本单位党组织报送成立妇女小组的请示，说明成立理由、组织名称、委员名额和拟召开大会的时间。', '单位向上级妇联和本单位党组织报送成立妇女小组的请示，说明成立理由、组织名称、组长人选和推选时间。'),
    ('step', 'group', 'request', '', 'key_notes', '组织名称为“单位全称＋妇女联合会（妇女委员会）”\n执委名额一般为5、7或15名，主席1名、副主席1至4名\n请示须加盖单位公章', '组织名称为“单位全称＋妇女小组”\n妇女小组设组长1名，可设副组长\n请示须加盖单位公章'),
    ('step', 'group', 'request', '', 'sentences', '我单位{unit_name}现有职工{employees}人，其中女职工{women}人。经研究，拟{way}{proposed_name}，设委员{seats}名，其中主席（主任）{chair_seats}名、副主席（副主任）{vice_chair_seats}名，拟于{congress_date}召开大会进行选举。', '我单位{unit_name}现有职工{employees}人，其中女职工{women}人。经研究，拟{way}{proposed_name}，设组长{chair_seats}名、副组长{vice_chair_seats}名，小组成员{seats}名，拟于{congress_date}召开女职工会议推选产生。'),
    ('field', 'group', 'request', 'way', 'prefill', '', 'run.way'),
    ('field', 'group', 'request', 'proposed_name', 'help_text', '如：乌海市××有限公司妇女联合会', '如：乌海市××有限公司妇女小组'),
    ('field', 'group', 'request', 'proposed_name', 'prefill', '', 'run.women_org'),
    ('field', 'group', 'request', 'seats', 'label', '委员名额', '小组成员人数'),
    ('field', 'group', 'request', 'chair_seats', 'label', '主席（主任）名额', '组长名额'),
    ('field', 'group', 'request', 'vice_chair_seats', 'label', '副主席（副主任）名额', '副组长名额'),
    ('field', 'group', 'request', 'congress_date', 'label', '拟召开大会日期', '拟推选日期'),
    ('step', 'group', 'unveiling', '', 'key_notes', '挂牌后台账自动更新：组织形式、成立日期、主席和任期', '挂牌后台账自动更新：组织形式、成立日期、组长和任期'),
)


STEP_FIELDS = ("order", "code", "title", "guidance", "key_notes", "sentences", "actor", "deadline_days",
               "needs_review", "election")  # fmt: skip


def _part(step, kind, name):
    if kind == "step":
        return step
    if kind == "field":
        return step.fields.filter(name=name).first()
    return step.documents.filter(packaged=name).first()


def _apply(template, frm, to, *, write=True):
    """Set each text that still reads `frm` to `to` (or only count them); returns how many read `frm`."""
    found = 0
    for kind, key, code, name, attribute, *values in CHANGES:
        if key != template.key:
            continue
        old, new = values[frm], values[to]
        step = template.steps.filter(code=code).first()
        part = _part(step, kind, name) if step is not None else None
        if part is not None and getattr(part, attribute) == old:
            found += 1
            if write:
                setattr(part, attribute, new)
                part.save(update_fields=[attribute])
    return found


def _copy(template, WorkflowTemplate):
    """The next version of a template with its steps, fields and papers, as a draft to correct."""
    last = WorkflowTemplate.objects.filter(key=template.key).order_by("-version").first()
    copy = WorkflowTemplate.objects.create(
        key=template.key,
        version=last.version + 1,
        name=template.name,
        form=template.form,
        description=template.description,
        status="draft",
        quorum_numerator=template.quorum_numerator,
        quorum_denominator=template.quorum_denominator,
        min_extra_candidates_percent=template.min_extra_candidates_percent,
        competitive_rule=template.competitive_rule,
    )
    for step in template.steps.all():
        new_step = copy.steps.create(**{name: getattr(step, name) for name in STEP_FIELDS})
        for spec in step.fields.all():
            spec.pk, spec.step = None, new_step
            spec.save()
        for document in step.documents.all():
            document.pk, document.step = None, new_step
            document.save()
    return copy


def _version_delete(apps, schema_editor, pk):
    """Remove a version with its steps, fields and papers (no run uses it). Plain SQL: going back, the
    related models of the migration state are not the ones Django's cascade expects."""
    tables = {
        name: apps.get_model("workflows", name)._meta.db_table
        for name in ("WorkflowTemplate", "StepTemplate", "FieldSpec", "DocumentTemplate")
    }
    quote = schema_editor.connection.ops.quote_name
    steps = f"SELECT id FROM {quote(tables['StepTemplate'])} WHERE template_id = %s"
    with schema_editor.connection.cursor() as cursor:
        for part in ("FieldSpec", "DocumentTemplate"):
            cursor.execute(f"DELETE FROM {quote(tables[part])} WHERE step_id IN ({steps})", [pk])
        cursor.execute(f"DELETE FROM {quote(tables['StepTemplate'])} WHERE template_id = %s", [pk])
        cursor.execute(f"DELETE FROM {quote(tables['WorkflowTemplate'])} WHERE id = %s", [pk])


def wording_by_form(apps, schema_editor):
    WorkflowTemplate = apps.get_model("workflows", "WorkflowTemplate")
    for key in sorted({change[1] for change in CHANGES}):
        for draft in WorkflowTemplate.objects.filter(key=key, status="draft"):
            _apply(draft, 0, 1)
        published = WorkflowTemplate.objects.filter(key=key, status="published").order_by("-version").first()
        if published is None or not _apply(published, 0, 1, write=False):
            continue  # nothing reads as first seeded any more: the published version stays
        copy = _copy(published, WorkflowTemplate)
        _apply(copy, 0, 1)
        WorkflowTemplate.objects.filter(pk=published.pk).update(status="retired")
        WorkflowTemplate.objects.filter(pk=copy.pk).update(status="published", published_at=django.utils.timezone.now())


def wording_as_seeded(apps, schema_editor):
    WorkflowTemplate = apps.get_model("workflows", "WorkflowTemplate")
    FormationRun = apps.get_model("workflows", "FormationRun")
    for key in sorted({change[1] for change in CHANGES}):
        for draft in WorkflowTemplate.objects.filter(key=key, status="draft"):
            _apply(draft, 1, 0)
        published = WorkflowTemplate.objects.filter(key=key, status="published").order_by("-version").first()
        if published is None or published.published_by_id is not None:
            continue
        if FormationRun.objects.filter(template_id=published.pk).exists():
            continue  # runs were started on it: it stays
        before = WorkflowTemplate.objects.filter(key=key, version__lt=published.version, status="retired")
        before = before.order_by("-version").first()
        if before is None:
            continue
        if _apply(published, 1, 0, write=False):  # it reads as corrected here: this migration made it
            _version_delete(apps, schema_editor, published.pk)
            WorkflowTemplate.objects.filter(pk=before.pk).update(status="published")


class Migration(migrations.Migration):
    # PostgreSQL refuses to alter a table in the transaction that changed its rows (going back, the rows
    # change before the column goes): the data step runs in a transaction of its own
    atomic = False

    dependencies = [
        ("workflows", "0003_formationrun_region_removed"),
    ]

    operations = [
        migrations.AddField(
            model_name="workflowtemplate",
            name="competitive_rule",
            field=models.CharField(
                choices=[("refuse", "Refuse the step"), ("warn", "Warn, and let it be handed in")],
                default="refuse",
                help_text="What the candidate and congress steps do when there are not enough candidates for the seats.",
                max_length=10,
                verbose_name="too few candidates (差额)",
            ),
        ),
        migrations.AlterField(
            model_name="fieldspec",
            name="prefill",
            field=models.CharField(
                blank=True,
                help_text="An organisation field (organisation.name, uscc, women, employees, address), what the run was started with (run.way, run.women_org) or an earlier answer (request.seats).",
                max_length=40,
                verbose_name="filled in from",
            ),
        ),
        migrations.RunPython(wording_by_form, wording_as_seeded, atomic=True),
    ]
