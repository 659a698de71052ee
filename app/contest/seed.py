"""The first contest, "Nghệ An hạnh phúc – Happy Nghe An 2025", as published (CONTEST.md).

These values seed rows an organiser edits afterwards; nothing reads them at run time.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.contest.models import Category, Contest, ContestStatus, MediaType, Prize
from app.contest.services import make_current
from app.core.timeutil import end_of_local_day, start_of_local_day
from app.extensions import db

FIRST_CONTEST_SLUG = "happy-nghe-an-2025"
TZ = "Asia/Ho_Chi_Minh"
MB = 1024 * 1024

DESCRIPTION_VI = (
    "Cuộc thi ảnh và video “Nghệ An hạnh phúc” nhằm quảng bá hình ảnh Nghệ An tới bạn bè trong nước "
    "và quốc tế: con người, văn hoá, thiên nhiên và sự phát triển của quê hương xứ Nghệ."
)
DESCRIPTION_EN = (
    "The “Happy Nghe An” photo and video contest promotes the image of Nghe An province at home and "
    "abroad: its people, culture, landscapes and development."
)
ELIGIBILITY_VI = (
    "Mọi cá nhân từ 15 tuổi trở lên, người Việt Nam hoặc người nước ngoài, chuyên nghiệp hoặc không "
    "chuyên, sinh sống trong nước hoặc ở nước ngoài; cá nhân hoặc nhóm tác giả. Không giới hạn số lượng "
    "tác phẩm. Thành viên Ban Giám khảo và Ban Thư ký không được tham gia dự thi."
)
ELIGIBILITY_EN = (
    "Anyone aged 15 or over, Vietnamese or foreign, professional or amateur, living in Vietnam or "
    "abroad; individuals or groups of authors. No limit on the number of entries. Members of the jury "
    "and of the secretariat may not enter."
)
RULES_VI = """Tác phẩm phải được thực hiện tại Nghệ An trong khoảng từ ngày 01/01/2023 đến ngày 01/10/2025, phản ánh chân thực cuộc sống, văn hoá, con người và sự phát triển của Nghệ An; hợp pháp và thuộc quyền tác giả của người dự thi.

Thể loại ảnh: ảnh đơn và ảnh bộ (nhiều ảnh dự thi và được chấm như một tác phẩm). Ảnh kỹ thuật số định dạng JPG; cạnh dài tối thiểu 3.000 px; dung lượng tệp tối thiểu 3 MB.

Thể loại video: định dạng MP4; thời lượng tối đa 5 phút; dung lượng tối đa 200 MB.

Thời gian nhận tác phẩm: từ ngày 15/7/2025 đến hết ngày 01/10/2025 (24 giờ, giờ Việt Nam).

Chấm giải: vòng sơ khảo chọn khoảng 100 tác phẩm vào vòng chung khảo; Ban Giám khảo thống nhất tiêu chí và thang điểm cho từng thể loại và chấm điểm trên phần mềm.

Giải thưởng: mỗi thể loại có giải Nhất, Nhì, Ba kèm giấy chứng nhận và tiền thưởng; tác phẩm xuất sắc được trưng bày triển lãm.

Thông tin cá nhân của tác giả được bảo mật và chỉ dùng để tổ chức cuộc thi, theo Nghị định 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân."""
RULES_EN = """Works must be made in Nghe An between 1 January 2023 and 1 October 2025, truthfully reflect life, culture, people and development there, be lawful and be the entrant's own copyright.

Photo category: single photos and photo series (several photos entered and judged as one work). Digital JPG; long edge at least 3,000 px; file at least 3 MB.

Video category: MP4; at most 5 minutes; at most 200 MB.

Submissions: from 15 July 2025 until the end of 1 October 2025 (24:00 Vietnam time).

Judging: a preliminary round selects about 100 works for the final round; the jury agrees criteria and a point scale for each category and scores in software.

Awards: first, second and third prize in each category, with certificates and cash prizes; outstanding works are exhibited.

Authors' personal information is confidential and used only to run the contest, under Vietnam's personal-data decree 13/2023."""


def seed_first_contest() -> tuple[Contest, bool]:
    """Create Happy Nghe An 2025 unless it exists; returns (contest, created)."""
    existing = db.session.scalar(select(Contest).where(Contest.slug == FIRST_CONTEST_SLUG))
    if existing is not None:
        return existing, False
    contest = Contest(
        slug=FIRST_CONTEST_SLUG,
        entry_code_prefix="HNA25",
        name_vi="Nghệ An hạnh phúc 2025",
        name_en="Happy Nghe An 2025",
        tagline_vi="Cuộc thi ảnh và video quảng bá hình ảnh Nghệ An",
        tagline_en="A photo and video contest to promote Nghe An",
        description_vi=DESCRIPTION_VI,
        description_en=DESCRIPTION_EN,
        eligibility_vi=ELIGIBILITY_VI,
        eligibility_en=ELIGIBILITY_EN,
        rules_vi=RULES_VI,
        rules_en=RULES_EN,
        rules_version="2025-07-15",
        organiser_vi="Sở Văn hoá, Thể thao và Du lịch tỉnh Nghệ An; Cục Thông tin cơ sở và Thông tin đối ngoại",
        organiser_en="Nghe An Department of Culture, Sports and Tourism; "
        "Department of Grassroots and Foreign Information",
        timezone=TZ,
        submissions_open_at=start_of_local_day(date(2025, 7, 15), TZ),
        submissions_close_at=end_of_local_day(date(2025, 10, 1), TZ),
        work_created_from=date(2023, 1, 1),
        work_created_until=date(2025, 10, 1),
        min_entrant_age=15,
        status=ContestStatus.PUBLISHED,
    )
    photo = Category(
        slug="photo",
        code_letter="A",
        series_code_letter="B",
        position=1,
        name_vi="Ảnh",
        name_en="Photo",
        description_vi="Ảnh đơn và ảnh bộ.",
        description_en="Single photos and photo series.",
        media_type=MediaType.PHOTO,
        allows_single_photo=True,
        allows_photo_series=True,
        series_min_photos=2,
        series_max_photos=10,
        allowed_formats=["jpeg"],
        min_long_edge_px=3000,
        min_bytes=3 * MB,
        max_bytes=50 * MB,
    )
    video = Category(
        slug="video",
        code_letter="V",
        position=2,
        name_vi="Video",
        name_en="Video",
        description_vi="Video định dạng MP4.",
        description_en="Videos in MP4 format.",
        media_type=MediaType.VIDEO,
        allows_video=True,
        allowed_formats=["mp4"],
        max_bytes=200 * MB,
        max_video_seconds=300,
    )
    contest.categories.extend([photo, video])
    for category in (photo, video):
        for rank, (vi, en) in enumerate(
            [("Giải Nhất", "First prize"), ("Giải Nhì", "Second prize"), ("Giải Ba", "Third prize")], start=1
        ):
            contest.prizes.append(Prize(category=category, rank=rank, name_vi=vi, name_en=en, quantity=1))
    db.session.add(contest)
    db.session.flush()
    make_current(contest)
    return contest, True
