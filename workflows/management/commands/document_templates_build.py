"""manage.py document_templates_build: write the packaged .docx templates (workflows/document_templates/).

The papers follow the layout of official documents (公文, GB/T 9704): A4, title centred in 宋体 二号 bold,
recipient (主送机关) flush left, body in 仿宋 三号 with a two-character first-line indent on a fixed 28 pt line,
sender and date (落款) at the right. Placeholders are docxtpl (jinja) expressions over
workflows.documents.document_context; tables repeat their middle row with {%tr for %}.

The output is byte-for-byte reproducible (fixed timestamps), so `--check` can tell in CI whether the committed
files match this command.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

OUTPUT = Path(__file__).resolve().parents[2] / "document_templates"
FIXED_TIME = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

BODY_FONT, TITLE_FONT, HEADING_FONT = "仿宋", "宋体", "黑体"
BODY_SIZE, TITLE_SIZE, TABLE_SIZE = Pt(16), Pt(22), Pt(12)

# the women's organisation's name as approved (or proposed, before the approval)
NAME = "{{ women_org }}"
# the form's own words (workflows.wording): 主席/副主席/执委 for a 妇联, 主任/副主任/委员 for a 妇委会
CHAIR, VICE, MEMBER = "{{ run.chair }}", "{{ run.vice_chair }}", "{{ run.member }}"
MEMBERS, BODY, BODY_SHORT = "{{ run.member_long }}", "{{ run.body }}", "{{ run.body_short }}"

# --- the papers: each a list of blocks ------------------------------------------------------------------


def title(text):
    return ("title", text)


def para(text):
    return ("p", text)


def heading(text):
    return ("h", text)


def plain(text, align="left"):
    return ("plain", text, align)


def sign(*lines):
    return ("sign", lines)


def table(loop, columns, widths=None):
    """columns: (header, cell expression); the cell expression is evaluated for each row `r`."""
    return ("table", loop, columns, widths)


SEQ = ("序号", "{{ loop.index }}")

PAPERS: dict[str, dict] = {
    "request.docx": {
        "title": "关于成立妇女组织的请示",
        "blocks": [
            title("关于成立{{ request.proposed_name }}的请示"),
            plain("{{ federation_unit }}："),
            para(
                "{{ request.unit_name }}（统一社会信用代码：{{ request.uscc }}）现有职工{{ request.employees }}人，"
                "其中女职工{{ request.women }}人。"
            ),
            para("{{ request.reasons }}"),
            para(
                f"经研究，我单位拟采取{{{{ request.way }}}}的方式成立{{{{ request.proposed_name }}}}，设{MEMBER}"
                f"{{{{ request.seats }}}}名，其中{CHAIR}{{{{ request.chair_seats }}}}名、{VICE}{{{{ request.vice_chair_seats }}}}名，"
                "拟于{{ request.congress_date }}召开大会进行选举。"
            ),
            para("妥否，请批示。"),
            sign("{{ request.unit_name }}", "{{ today }}"),
            para("（联系人：{{ request.contact_name }}；联系电话：{{ request.contact_mobile }}）"),
        ],
    },
    "approval.docx": {
        "title": "关于同意成立妇女组织的批复",
        "blocks": [
            plain("{{ approval.approval_number }}", "center"),
            title("关于同意成立{{ approval.approved_name }}的批复"),
            plain("{{ org.name }}："),
            para("你单位《关于成立{{ request.proposed_name }}的请示》收悉。经研究，现批复如下："),
            para("一、同意成立{{ approval.approved_name }}。"),
            para(
                f"二、{{{{ approval.approved_name }}}}设{MEMBER}{{{{ approval.approved_seats }}}}名，"
                f"其中{CHAIR}{{{{ request.chair_seats }}}}名、{VICE}{{{{ request.vice_chair_seats }}}}名。"
            ),
            para(
                "三、请按照《中华全国妇女联合会章程》和有关规定认真做好筹备工作，依法依规选举产生"
                f"{BODY}，"
                "选举结果及时报{{ approval.approving_body }}审批（备案）。"
            ),
            para("此复。"),
            sign("{{ approval.approving_body }}", "{{ approval.approval_date }}"),
        ],
    },
    "preparation.docx": {
        "title": "筹备工作方案",
        "blocks": [
            title(f"{NAME}筹备工作方案"),
            para(
                f"为做好{NAME}成立工作，根据{{{{ approval.approving_body }}}}"
                f"《关于同意成立{NAME}的批复》（{{{{ approval.approval_number }}}}）精神，结合我单位实际，制定本方案。"
            ),
            heading("一、筹备组"),
            para(
                "成立筹备组，负责大会的各项筹备工作。筹备组由{{ preparation.members_count }}人组成，名单附后。"
            ),
            heading("二、时间安排"),
            para("{{ preparation.timetable }}"),
            heading("三、代表名额和产生办法"),
            para(
                "出席大会的代表名额为{{ preparation.delegate_quota }}名，以{{ preparation.delegate_method }}方式产生。"
                "代表须为年满18周岁的女性。"
            ),
            heading(f"四、{MEMBER}名额"),
            para(
                f"{BODY}设{MEMBER}{{{{ approval.approved_seats }}}}名，其中{CHAIR}{{{{ request.chair_seats }}}}名、"
                f"{VICE}{{{{ request.vice_chair_seats }}}}名。"
            ),
            heading("五、候选人条件"),
            para("{{ preparation.candidate_criteria }}"),
            heading("六、大会议程"),
            para("{{ preparation.agenda }}"),
            sign(f"{NAME}筹备组", "{{ today }}"),
        ],
    },
    "preparation_members.docx": {
        "title": "筹备组名单",
        "blocks": [
            title(f"{NAME}筹备组名单"),
            table(
                "preparation.members",
                [SEQ, ("姓名", "{{ r.name }}"), ("职务", "{{ r.post }}"), ("手机号码", "{{ r.mobile }}")],
                [15, 35, 75, 40],
            ),
            sign(f"{NAME}筹备组", "{{ today }}"),
        ],
    },
    "delegates.docx": {
        "title": "代表名单",
        "blocks": [
            title(f"{NAME}成立大会代表名单"),
            plain("（共{{ delegates.delegates|length or '＿＿' }}名）", "center"),
            table(
                "delegates.delegates",
                [
                    SEQ,
                    ("姓名", "{{ r.name }}"),
                    ("单位及职务", "{{ r.unit_post }}"),
                    ("手机号码", "{{ r.mobile }}"),
                ],
                [15, 35, 75, 40],
            ),
            sign(f"{NAME}筹备组", "{{ today }}"),
        ],
    },
    "candidates.docx": {
        "title": "候选人名单",
        "landscape": True,
        "blocks": [
            title(f"{NAME}{MEMBER}候选人名单"),
            plain("（按姓氏笔画排序）", "center"),
            table(
                "candidates.candidates",
                [
                    SEQ,
                    ("姓名", "{{ r.name }}"),
                    ("单位及职务", "{{ r.unit_post }}"),
                    ("出生年月", "{{ r.birth_month }}"),
                    ("政治面貌", "{{ r.political_status }}"),
                    ("学历", "{{ r.education }}"),
                    ("手机号码", "{{ r.mobile }}"),
                    ("拟任职务", "{{ r.proposed_office }}"),
                ],
                [14, 28, 70, 25, 25, 22, 35, 28],
            ),
            sign(f"{NAME}筹备组", "{{ today }}"),
        ],
    },
    "election_rules.docx": {
        "title": "选举办法",
        "blocks": [
            title(f"{NAME}选举办法"),
            plain("（{{ congress.congress_date }}大会通过）", "center"),
            para("一、根据《中华全国妇女联合会章程》和有关规定，制定本办法。"),
            para(f"二、本次大会选举产生{NAME}{MEMBERS}{{{{ approval.approved_seats }}}}名。"),
            para("三、选举采用无记名投票方式，实行差额选举，候选人数多于应选名额。"),
            para("四、大会设监票人、计票人，名单经大会通过。候选人不得担任监票人、计票人。"),
            para(
                "五、选票上的候选人按姓氏笔画排列。选举人对候选人可以投赞成票，可以投反对票，可以弃权；"
                "投反对票的，可以另选他人。每张选票所选人数等于或少于应选名额的为有效票，多于应选名额的为废票。"
            ),
            para(
                "六、到会人数超过应到人数的{{ run.quorum }}，方可进行选举。收回的选票等于或少于发出的选票，"
                "选举有效；多于发出的选票，选举无效，应重新选举。"
            ),
            para(
                "七、候选人获得的赞成票超过应到会人数的一半，始得当选。获得赞成票超过半数的候选人多于应选名额时，"
                "以得票多少为序，至取足应选名额为止；票数相等不能确定当选人时，就票数相等的候选人再次投票，以得票多的当选。"
            ),
            para("八、选举结果由监票人向大会报告，由大会主持人宣布。"),
            para("九、本办法经大会通过后生效。"),
        ],
    },
    "agenda.docx": {
        "title": "大会议程和主持词",
        "blocks": [
            title(f"{NAME}成立大会议程"),
            plain("（{{ congress.congress_date }}）", "center"),
            para("{{ preparation.agenda }}"),
            title("主持词"),
            plain("主持人：{{ materials.host }}"),
            para(f"各位代表、同志们：{NAME}成立大会现在开始。"),
            para(
                "本次大会应到代表{{ congress.expected }}名，实到{{ congress.present }}名，"
                "到会人数超过应到人数的{{ run.quorum }}，符合规定，可以进行选举。"
            ),
            para("进行第一项：宣读{{ approval.approving_body }}《关于同意成立" + NAME + "的批复》。"),
            para("进行第二项：通过选举办法和监票人、计票人名单。请代表们举手表决。"),
            para(f"进行第三项：选举{MEMBERS}。请监票人检查票箱，计票人发放选票。"),
            para("进行第四项：监票人报告选举结果。"),
            para("进行第五项：请上级妇联领导讲话。"),
            para("大会各项议程已全部进行完毕。现在我宣布，大会胜利闭幕！"),
        ],
    },
    "scrutineers.docx": {
        "title": "监票人计票人名单",
        "blocks": [
            title(f"{NAME}成立大会监票人、计票人名单"),
            plain("（草案）", "center"),
            table(
                "materials.scrutineers",
                [SEQ, ("姓名", "{{ r.name }}"), ("职责", "{{ r.post }}")],
                [20, 60, 85],
            ),
            para("监票人、计票人不由候选人担任，名单经大会举手表决通过。"),
        ],
    },
    "ballot.docx": {
        "title": "选票",
        "blocks": [
            title(f"{NAME}{MEMBER}选举票"),
            table(
                "candidates.candidates",
                [("候选人姓名（按姓氏笔画排序）", "{{ r.name }}"), ("划记", "")],
                [110, 55],
            ),
            plain("另选人：＿＿＿＿　划记：＿＿"),
            plain("另选人：＿＿＿＿　划记：＿＿"),
            heading("说明"),
            para(
                f"1. 应选{MEMBER}{{{{ approval.approved_seats }}}}名。赞成的在候选人姓名右侧划记栏内划“○”，"
                "反对的划“×”，弃权的不划任何符号。"
            ),
            para("2. 投反对票的，可以另选他人，在另选人处写上姓名并划“○”。"),
            para("3. 所选人数多于应选名额的为废票。"),
            para("4. 请用黑色或蓝色笔填写，字迹清楚。"),
        ],
    },
    "tally.docx": {
        "title": "计票单",
        "blocks": [
            title(f"{NAME}{MEMBER}选举计票单"),
            para(
                "大会于{{ congress.congress_date }}召开，应到{{ congress.expected }}人，实到{{ congress.present }}人；"
                "发出选票{{ congress.ballots_issued }}张，收回{{ congress.ballots_returned }}张，"
                "其中有效票{{ congress.ballots_valid }}张，多选作废{{ congress.ballots_overmarked }}张；"
                f"应选{MEMBER}{{{{ congress.seats }}}}名。"
            ),
            table(
                "congress.votes",
                [
                    SEQ,
                    ("候选人", "{{ r.name }}"),
                    ("赞成", '{{ r["for"] }}'),
                    ("反对", "{{ r.against }}"),
                    ("弃权", "{{ r.abstain }}"),
                ],
                [15, 50, 33, 33, 34],
            ),
            plain("监票人（签字）：＿＿＿＿＿＿　　计票人（签字）：＿＿＿＿＿＿"),
            sign("{{ congress.congress_date }}"),
        ],
    },
    "election_report.docx": {
        "title": "选举结果报告",
        "blocks": [
            title(f"关于{NAME}选举结果的报告"),
            plain("{{ approval.approving_body }}："),
            para(
                f"根据{{{{ approval.approving_body }}}}《关于同意成立{NAME}的批复》（{{{{ approval.approval_number }}}}），"
                "我单位于{{ congress.congress_date }}召开大会。应到{{ congress.expected }}人，实到{{ congress.present }}人，"
                f"符合规定人数。大会以无记名投票、差额选举的方式选举产生{MEMBERS}{{{{ congress.seats }}}}名。"
                f"{{{{ first_meeting.meeting_date }}}}召开{BODY_SHORT}第一次会议，等额选举产生{CHAIR}、{VICE}。"
            ),
            para("现将选举结果报告如下，请予审批（备案）。"),
            heading(f"一、{CHAIR}、{VICE}名单"),
            table(
                "first_meeting.leaders",
                [SEQ, ("姓名", "{{ r.name }}"), ("职务", "{{ r.post }}"), ("手机号码", "{{ r.mobile }}")],
                [15, 35, 75, 40],
            ),
            heading(f"二、{MEMBER}名单"),
            table(
                "report.executives",
                [
                    SEQ,
                    ("姓名", "{{ r.name }}"),
                    ("职务", "{{ r.post }}"),
                    ("单位及职务", "{{ r.unit_post }}"),
                    ("手机号码", "{{ r.mobile }}"),
                ],
                [13, 27, 35, 55, 35],
            ),
            heading("三、计票结果"),
            table(
                "congress.votes",
                [
                    SEQ,
                    ("候选人", "{{ r.name }}"),
                    ("赞成", '{{ r["for"] }}'),
                    ("反对", "{{ r.against }}"),
                    ("弃权", "{{ r.abstain }}"),
                ],
                [15, 50, 33, 33, 34],
            ),
            sign("{{ org.name }}", "{{ report.report_date }}"),
        ],
    },
}


# --- writing --------------------------------------------------------------------------------------------


def _fonts(owner, east_asia: str, size=None, bold: bool = False) -> None:
    """Set the fonts of a run or a style: Latin in Times New Roman, Chinese through rFonts eastAsia.

    Children of rPr go through python-docx (or insert_element_before), which keeps the schema's order:
    Word refuses a file whose rPr children are out of order."""
    element = owner._element if hasattr(owner, "_element") else owner.element
    rpr = element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), "Times New Roman")
    fonts.set(qn("w:eastAsia"), east_asia)
    if size is not None:
        owner.font.size = size
    if bold:
        owner.font.bold = True
    if rpr.find(qn("w:lang")) is None:
        lang = OxmlElement("w:lang")
        lang.set(qn("w:eastAsia"), "zh-CN")
        rpr.insert_element_before(lang, "w:eastAsianLayout", "w:specVanish", "w:oMath")


def _run(paragraph, text: str, east_asia: str = BODY_FONT, size=BODY_SIZE, bold: bool = False):
    run = paragraph.add_run(text)
    _fonts(run, east_asia, size, bold)
    return run


def _line(paragraph, exact=None) -> None:
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph.paragraph_format.line_spacing = exact or Pt(28)
    paragraph.paragraph_format.space_before = Pt(0)
    paragraph.paragraph_format.space_after = Pt(0)


def _cell_text(cell, text: str, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_before = Pt(2)
    paragraph.paragraph_format.space_after = Pt(2)
    if text:
        _run(paragraph, text, HEADING_FONT if bold else BODY_FONT, TABLE_SIZE)


def _table(document, loop: str, columns, widths) -> None:
    table = document.add_table(rows=4, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for index, (header, cell) in enumerate(columns):
        _cell_text(table.rows[0].cells[index], header, bold=True)
        _cell_text(table.rows[2].cells[index], cell)
    # docxtpl drops the rows holding {%tr %} tags and repeats the row between them
    _cell_text(table.rows[1].cells[0], f"{{%tr for r in {loop} %}}")
    _cell_text(table.rows[3].cells[0], "{%tr endfor %}")
    if widths:
        for row in table.rows:
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = Mm(width)
    spacer = document.add_paragraph()
    _line(spacer, Pt(14))


def _defaults_chinese(document) -> None:
    """python-docx's blank document defaults to theme fonts and an en-US language: make them Chinese."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    fonts = defaults.find(f".//{qn('w:rFonts')}")
    fonts.attrib.clear()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), "Times New Roman")
    fonts.set(qn("w:eastAsia"), BODY_FONT)
    lang = defaults.find(f".//{qn('w:lang')}")
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")


def paper_build(spec: dict) -> bytes:
    """One packaged template as .docx bytes (fixed timestamps, so the bytes depend only on the spec)."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    if spec.get("landscape"):
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        section.top_margin, section.bottom_margin = Mm(28), Mm(26)
        section.left_margin, section.right_margin = Mm(20), Mm(20)
    else:
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
    _defaults_chinese(document)
    _fonts(document.styles["Normal"], BODY_FONT, BODY_SIZE)
    _fonts(document.styles["Table Grid"], BODY_FONT, TABLE_SIZE)

    for block in spec["blocks"]:
        kind = block[0]
        if kind == "title":
            paragraph = document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _line(paragraph, Pt(36))
            paragraph.paragraph_format.space_before = Pt(12)
            paragraph.paragraph_format.space_after = Pt(18)
            _run(paragraph, block[1], TITLE_FONT, TITLE_SIZE, bold=True)
        elif kind == "p":
            paragraph = document.add_paragraph()
            _line(paragraph)
            paragraph.paragraph_format.first_line_indent = Pt(32)  # two characters of 三号
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            _run(paragraph, block[1])
        elif kind == "h":
            paragraph = document.add_paragraph()
            _line(paragraph)
            paragraph.paragraph_format.first_line_indent = Pt(32)
            _run(paragraph, block[1], HEADING_FONT)
        elif kind == "plain":
            paragraph = document.add_paragraph()
            _line(paragraph)
            paragraph.alignment = (
                WD_ALIGN_PARAGRAPH.CENTER if block[2] == "center" else WD_ALIGN_PARAGRAPH.LEFT
            )
            _run(paragraph, block[1])
        elif kind == "sign":
            document.add_paragraph()
            for text in block[1]:
                paragraph = document.add_paragraph()
                _line(paragraph)
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                paragraph.paragraph_format.right_indent = Pt(64)  # 落款 about four characters from the edge
                _run(paragraph, text)
        elif kind == "table":
            _table(document, *block[1:])
        else:  # pragma: no cover - a typo in PAPERS
            raise ValueError(kind)

    properties = document.core_properties
    properties.title = spec["title"]
    properties.author = properties.last_modified_by = ""
    properties.comments = ""
    properties.created = properties.modified = FIXED_TIME.replace(tzinfo=None)
    properties.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return _zip_fixed_times(buffer.getvalue())


def _zip_fixed_times(data: bytes) -> bytes:
    """Rewrite the package with one fixed time on every member: the same spec gives the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    target_buffer = io.BytesIO()
    with zipfile.ZipFile(target_buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return target_buffer.getvalue()


class Command(BaseCommand):
    help = "Write the built-in .docx document templates to workflows/document_templates/."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Write nothing; fail when a committed file differs."
        )

    def handle(self, *args, check: bool = False, **options):
        OUTPUT.mkdir(parents=True, exist_ok=True)
        stale = []
        for file_name, spec in PAPERS.items():
            data = paper_build(spec)
            path = OUTPUT / file_name
            if check:
                if not path.exists() or path.read_bytes() != data:
                    stale.append(file_name)
                continue
            path.write_bytes(data)
            self.stdout.write(f"{path.relative_to(OUTPUT.parent.parent)}  {len(data):,} bytes")
        if stale:
            raise CommandError(f"Out of date (run document_templates_build): {', '.join(stale)}")
        if check:
            self.stdout.write(self.style.SUCCESS(f"{len(PAPERS)} document templates up to date."))
