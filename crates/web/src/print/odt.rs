//! A [`Document`] as OpenDocument text: A4, a cover page with the
//! organisation sheet, one heading per section, its fields in a two-column
//! table (label, lines), "Page n / N" in every footer.

use super::{Document, typeset, zip};

const NS: &str = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.3""#;

/// Text escaped for XML, with French typography where the language wants
/// it; characters XML 1.0 cannot hold are dropped.
fn esc(lang: &str, s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in typeset(lang, s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn styles(d: &Document) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles {NS}>
<office:styles>
<style:default-style style:family="paragraph"><style:paragraph-properties fo:margin-bottom="0.15cm"/><style:text-properties fo:font-size="10pt" fo:language="{lang}" fo:country="{country}"/></style:default-style>
<style:style style:name="Title" style:family="paragraph"><style:paragraph-properties fo:margin-top="6cm" fo:text-align="center"/><style:text-properties fo:font-size="24pt" fo:font-weight="bold"/></style:style>
<style:style style:name="Subtitle" style:family="paragraph"><style:paragraph-properties fo:text-align="center" fo:margin-bottom="2cm"/><style:text-properties fo:font-size="13pt"/></style:style>
<style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph" style:default-outline-level="1"><style:paragraph-properties fo:margin-top="0.6cm" fo:margin-bottom="0.3cm" fo:keep-with-next="always"/><style:text-properties fo:font-size="15pt" fo:font-weight="bold"/></style:style>
<style:style style:name="Label" style:family="paragraph"><style:text-properties fo:font-weight="bold"/></style:style>
<style:style style:name="Footer" style:family="paragraph"><style:paragraph-properties fo:text-align="center"/><style:text-properties fo:font-size="9pt"/></style:style>
</office:styles>
<office:automatic-styles>
<style:page-layout style:name="A4"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" fo:margin-top="2cm" fo:margin-bottom="1.5cm" fo:margin-left="2cm" fo:margin-right="2cm"/><style:footer-style><style:header-footer-properties fo:min-height="0.8cm" fo:margin-top="0.4cm"/></style:footer-style></style:page-layout>
</office:automatic-styles>
<office:master-styles>
<style:master-page style:name="Standard" style:page-layout-name="A4"><style:footer><text:p text:style-name="Footer">{title} — {page} <text:page-number text:select-page="current"/> / <text:page-count/></text:p></style:footer></style:master-page>
</office:master-styles>
</office:document-styles>"#,
        lang = d.lang,
        country = if d.lang == "en" { "GB" } else { "FR" },
        title = esc(d.lang, &d.title),
        page = esc(d.lang, d.page_word),
    )
}

fn table(out: &mut String, lang: &str, name: &str, rows: &[(String, Vec<String>)]) {
    out.push_str(&format!(
        r#"<table:table table:name="{}" table:style-name="Fields"><table:table-column table:style-name="LabelCol"/><table:table-column table:style-name="ValueCol"/>"#,
        esc(lang, name)
    ));
    for (label, lines) in rows {
        out.push_str(r#"<table:table-row><table:table-cell table:style-name="Cell" office:value-type="string"><text:p text:style-name="Label">"#);
        out.push_str(&esc(lang, label));
        out.push_str(r#"</text:p></table:table-cell><table:table-cell table:style-name="Cell" office:value-type="string">"#);
        if lines.is_empty() {
            out.push_str("<text:p>—</text:p>");
        }
        for l in lines {
            out.push_str("<text:p>");
            out.push_str(&esc(lang, l));
            out.push_str("</text:p>");
        }
        out.push_str("</table:table-cell></table:table-row>");
    }
    out.push_str("</table:table>");
}

fn content(d: &Document) -> String {
    let lang = d.lang;
    let mut out = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content {NS}>
<office:automatic-styles>
<style:style style:name="Fields" style:family="table"><style:table-properties style:width="17cm" table:align="left"/></style:style>
<style:style style:name="LabelCol" style:family="table-column"><style:table-column-properties style:column-width="5.5cm"/></style:style>
<style:style style:name="ValueCol" style:family="table-column"><style:table-column-properties style:column-width="11.5cm"/></style:style>
<style:style style:name="Cell" style:family="table-cell"><style:table-cell-properties fo:padding="0.1cm" fo:border="0.5pt solid #808080"/></style:style>
<style:style style:name="Break" style:family="paragraph" style:parent-style-name="Heading_20_1"><style:paragraph-properties fo:break-before="page"/></style:style>
</office:automatic-styles>
<office:body><office:text>
<text:p text:style-name="Title">{}</text:p><text:p text:style-name="Subtitle">{}</text:p>"#,
        esc(lang, &d.title),
        esc(lang, &d.subtitle),
    );
    let cover: Vec<(String, Vec<String>)> = d
        .cover
        .iter()
        .map(|(k, v)| (k.clone(), vec![v.clone()]))
        .collect();
    if !cover.is_empty() {
        table(&mut out, lang, "Organisme", &cover);
    }
    for (i, s) in d.sections.iter().enumerate() {
        // The first section starts a page after the cover; the others when
        // they ask for one.
        let style = if i == 0 || s.page_break {
            "Break"
        } else {
            "Heading_20_1"
        };
        out.push_str(&format!(
            r#"<text:h text:style-name="{style}" text:outline-level="1">{}</text:h>"#,
            esc(lang, &s.heading)
        ));
        table(&mut out, lang, &format!("Section {}", i + 1), &s.fields);
    }
    out.push_str("</office:text></office:body></office:document-content>");
    out
}

const MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
<manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="application/vnd.oasis.opendocument.text"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"#;

/// The document as an `.odt` file (`None` past 4 GiB).
pub fn write(d: &Document) -> Option<Vec<u8>> {
    let content = content(d);
    let styles = styles(d);
    zip::stored(&[
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("META-INF/manifest.xml", MANIFEST.as_bytes()),
        ("styles.xml", styles.as_bytes()),
        ("content.xml", content.as_bytes()),
    ])
}
