"""The short letter that goes with a supplier data request, in English and Traditional Chinese.

Many fastener and steel suppliers of EU importers are in Taiwan and China; the letter says the
same in both languages (Traditional characters, as used in Taiwan): what is asked (the attached
communication template, filled in for the installation that made the goods, for the reporting
period of IR 2025/2547 Art. 7, with an accredited verifier's report, Reg. (EU) 2023/956 Art. 8),
by when (the importer's declaration is due on 30 September of the following year, Art. 6(1)
as amended by Reg. (EU) 2025/2083), and why (without verified actual data the importer must use
default values, which IR 2025/2621 marks up by 10 % in 2026, 20 % in 2027 and 30 % from 2028).

The texts are the library's own. Every value comes from the request; texts are plain UTF-8.

>>> sorted(LANGUAGES)
['en', 'zh-Hant']
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from cbam.codes import format_cn
from cbam.declaration.certificates import round_figure
from cbam.declaration.supplier_plan import SupplierRequest
from cbam.jsonout import decimal_text


def _mass(value: Decimal) -> str:
    return decimal_text(round_figure(value).normalize())


def _short(text: str, width: int = 60) -> str:
    """A description cut at a word before ``width`` characters.

    >>> _short("Screws and bolts, of iron or steel other than stainless", 20)
    'Screws and bolts...'
    """
    if len(text) <= width:
        return text
    return text[:width].rsplit(" ", 1)[0].rstrip(",;: ") + "..."


def _goods_en(request: SupplierRequest) -> str:
    return "\n".join(
        f"  - CN {format_cn(g.cn)} ({_short(g.description)}), origin {g.country}: "
        f"{_mass(g.net_mass)} t in {g.lines} customs line(s), reporting period {g.reporting_year}"
        for g in request.goods
    )


def _goods_zh(request: SupplierRequest) -> str:
    return "\n".join(
        f"  - CN {format_cn(g.cn)}，原產國 {g.country}：{_mass(g.net_mass)} 公噸，"
        f"報關 {g.lines} 項，報告期間 {g.reporting_year} 年"
        for g in request.goods
    )


def _importer(request: SupplierRequest) -> tuple[str, str]:
    facts = request.importer
    name = facts.get("name", "the importer")
    reach = [facts.get("contact"), facts.get("email"), facts.get("telephone")]
    return name, ", ".join(r for r in reach if r)


def letter_en(request: SupplierRequest) -> str:
    """The request letter in English.

    >>> import datetime as dt
    >>> request = SupplierRequest(rank=1, reference="TW-1", kind="installation",
    ...     importer={"name": "Importer GmbH"}, reporting_year=2026,
    ...     reply_by=dt.date(2027, 6, 30), declaration_due=dt.date(2027, 9, 30), origin="TW",
    ...     goods=(), certificates_default=Decimal(0), cost_default_eur=Decimal(0))
    >>> letter_en(request).splitlines()[0]
    'Subject: CBAM emissions data for the goods we bought from you in 2026 (reference TW-1)'
    """
    name, reach = _importer(request)
    year = request.reporting_year
    start, end = request.period_start.isoformat(), request.period_end.isoformat()
    return f"""Subject: CBAM emissions data for the goods we bought from you in {year} \
(reference {request.reference})

Dear Sir or Madam,

{name} imports the following goods from you into the European Union:

{_goods_en(request)}

Under the EU Carbon Border Adjustment Mechanism (CBAM) we must declare the greenhouse gas
emissions embedded in these goods and buy certificates for them.

What we ask: please fill in the attached communication template of the European Commission
for the installation that produced these goods. We have entered what we know: the reporting
period {start} to {end} (Implementing Regulation (EU) 2025/2547, Art. 7), the country of
origin and the CN codes. Please add the production processes, their emissions and the
purchased precursors, and have the data checked by an accredited verifier: we can only use
actual data with a verification report (Regulation (EU) 2023/956, Art. 8). Please send us the
verifier's name and accreditation, the report number, its date and the opinion with it.

By when: please reply by {request.reply_by.isoformat()}. Our CBAM declaration for {year} is due
on {request.declaration_due.isoformat()} (Regulation (EU) 2023/956, Art. 6(1), as amended by
Regulation (EU) 2025/2083), and we need time to check the data.

Why: without verified actual data we must use the default values set by the Commission
(Implementing Regulation (EU) 2025/2621). They are deliberately high and carry a mark-up of
10 % in 2026, 20 % in 2027 and 30 % from 2028. Your own verified data usually lower the CBAM
cost of your goods for us, and so keep them competitive in the EU.

Please keep the sheet "CBAM_Request" in the workbook: it tells us which request your answer
belongs to. We use your data only for our CBAM declarations.

Questions: {reach or name}.

Kind regards,
{name}
"""


def letter_zh_hant(request: SupplierRequest) -> str:
    """The request letter in Traditional Chinese (the same content as :func:`letter_en`).

    >>> import datetime as dt
    >>> request = SupplierRequest(rank=1, reference="TW-1", kind="installation",
    ...     importer={"name": "Importer GmbH"}, reporting_year=2026,
    ...     reply_by=dt.date(2027, 6, 30), declaration_due=dt.date(2027, 9, 30), origin="TW",
    ...     goods=(), certificates_default=Decimal(0), cost_default_eur=Decimal(0))
    >>> letter_zh_hant(request).splitlines()[0]
    '主旨：敬請提供本公司於 2026 年向貴公司採購貨品之 CBAM 排放數據（編號 TW-1）'
    """
    name, reach = _importer(request)
    year = request.reporting_year
    start, end = request.period_start.isoformat(), request.period_end.isoformat()
    origin_text = f"（原產國：{request.origin}）" if request.origin else ""
    subject = f"主旨：敬請提供本公司於 {year} 年向貴公司採購貨品之 CBAM 排放數據"
    return f"""{subject}（編號 {request.reference}）

敬啟者：

{name} 自貴公司進口下列貨品至歐盟{origin_text}：

{_goods_zh(request)}

依據歐盟碳邊境調整機制（CBAM），本公司須申報上述貨品之隱含溫室氣體排放量，並為其購買憑證。

請求事項：敬請就生產上述貨品之設施，填寫隨附之歐盟執委會「設施通訊範本」。本公司已填入已知資料：
報告期間 {start} 至 {end}（執行規則 (EU) 2025/2547 第 7 條）、原產國及 CN 編碼。
請補充生產流程、其排放量及外購前驅物，並委請經認可之查證機構查證：實際數據須附查證報告，
本公司方能採用（規則 (EU) 2023/956 第 8 條）。請一併提供查證機構名稱、認證編號、報告編號、
報告日期及查證意見。

回覆期限：敬請於 {request.reply_by.isoformat()} 前回覆。本公司 {year} 年之 CBAM 申報截止日為
{request.declaration_due.isoformat()}（規則 (EU) 2023/956 第 6 條第 1 項，經規則 (EU) 2025/2083
修正），本公司需時間核對資料。

原因：若無經查證之實際數據，本公司須採用執委會所訂之預設值（執行規則 (EU) 2025/2621）。
預設值刻意從高設定，且另加成：2026 年 10%、2027 年 20%、2028 年起 30%。貴公司經查證之實際數據
通常可降低本公司就貴公司貨品之 CBAM 成本，亦有助貴公司產品在歐盟市場之競爭力。

請保留活頁簿中之「CBAM_Request」工作表：本公司據此辨識貴公司之回覆所對應之請求。
貴公司提供之數據僅供本公司 CBAM 申報之用。

聯絡窗口：{reach or name}

順頌 商祺
{name}
"""


#: The letters by language tag (BCP 47).
LANGUAGES: dict[str, Callable[[SupplierRequest], str]] = {
    "en": letter_en,
    "zh-Hant": letter_zh_hant,
}

__all__ = ["LANGUAGES", "letter_en", "letter_zh_hant"]
