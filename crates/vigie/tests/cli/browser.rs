//! The journeys of issue 18 in real headless Chromium, driven through
//! Debian's `chromium-driver` (W3C WebDriver, spoken here over plain
//! HTTP), against `vigie demo` as a user starts it: a citizen's request
//! from the public form to its confirmation code; an erasure approved only
//! from its preview, with masked examples and what the dataset leaves,
//! then what the erasure left; a letter from a representative answered by
//! post; the guided dataset on the demo's system; the pages at 390 px.
//! axe-core (from the browser suites' npm packages) runs on each main page
//! of these journeys and fails the test on a serious or critical
//! violation (issue 20, item 3); a control page shows that it can.

use std::{
    io::{Read, Write},
    net::TcpStream,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::{Value, json};

use super::{Data, free_port, vigie, wait_healthy};

/// The WebDriver key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver process and one session of headless Chromium.
struct Browser {
    driver: Child,
    port: u16,
    session: String,
}

/// One HTTP/1.1 exchange with chromedriver (it wants its own address as
/// the host, and answers with a length): the JSON `value` answered.
fn call(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(90))).ok();
    let body = body.map(Value::to_string).unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
    let mut answer = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let (head_end, length) = loop {
        let n = s.read(&mut chunk).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed before the answer".into());
        }
        answer.extend_from_slice(&chunk[..n]);
        if let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&answer[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .ok_or("no content-length")?;
            break (end + 4, length);
        }
    };
    while answer.len() < head_end + length {
        let n = s.read(&mut chunk).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed in the middle of the answer".into());
        }
        answer.extend_from_slice(&chunk[..n]);
    }
    let json = String::from_utf8_lossy(&answer[head_end..head_end + length]);
    let v: Value = serde_json::from_str(&json).map_err(|e| format!("{e}: {json}"))?;
    match v["value"].get("error") {
        Some(e) => Err(format!("{e}: {}", v["value"]["message"])),
        None => Ok(v["value"].clone()),
    }
}

impl Browser {
    /// Starts chromedriver and a headless Chromium; fails, saying what to
    /// install, when Debian's packages are missing.
    fn start() -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("chromedriver: {e} — install it with: apt-get install -y chromium chromium-driver")
            });
        let until = Instant::now() + Duration::from_secs(20);
        while call(port, "GET", "/status", None).is_err() {
            assert!(Instant::now() < until, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--disable-background-networking", "--disable-sync",
                         "--lang=fr-FR", "--window-size=1280,900"],
                "prefs": {"intl.accept_languages": "fr-FR,fr"}
            }
        }}});
        let session = call(port, "POST", "/session", Some(&caps)).unwrap_or_else(|e| {
            panic!("no Chromium session ({e}) — apt-get install -y chromium chromium-driver")
        });
        Browser {
            driver,
            port,
            session: session["sessionId"].as_str().unwrap().to_owned(),
        }
    }

    fn send(&self, method: &str, path: &str, body: Value) -> Value {
        let path = format!("/session/{}{path}", self.session);
        let body = (method == "POST").then_some(&body);
        call(self.port, method, &path, body).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    fn goto(&self, url: &str) {
        self.send("POST", "/url", json!({ "url": url }));
    }

    fn url(&self) -> String {
        self.send("GET", "/url", json!({}))
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn source(&self) -> String {
        self.send("GET", "/source", json!({}))
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn find(&self, css: &str) -> String {
        let v = call(
            self.port,
            "POST",
            &format!("/session/{}/element", self.session),
            Some(&json!({"using": "css selector", "value": css})),
        )
        .unwrap_or_else(|e| panic!("{css}: {e}\n{}", self.source()));
        v[ELEMENT].as_str().unwrap().to_owned()
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.send("POST", &format!("/element/{e}/click"), json!({}));
    }

    fn type_in(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.send("POST", &format!("/element/{e}/clear"), json!({}));
        self.send(
            "POST",
            &format!("/element/{e}/value"),
            json!({ "text": text }),
        );
    }

    fn script(&self, script: &str) -> Value {
        self.send(
            "POST",
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
    }

    /// Runs axe-core on the page shown and adds its violations to `audit`
    /// (every impact, for the count; the test fails on serious and
    /// critical ones).
    fn axe(&self, axe: &str, audit: &mut Audit) {
        self.script(axe);
        audit.pages += 1;
        let found = self.send(
            "POST",
            "/execute/async",
            json!({"script": "const done = arguments[arguments.length - 1]; \
                window.axe.run(document, {resultTypes: ['violations']}) \
                .then(r => done(r.violations.map(v => [v.impact || 'minor', v.id + ': ' + v.help + ' (' + v.nodes.length + ' × ' + v.nodes.slice(0, 2).map(n => n.target.join(' ')).join(', ') + ')']))) \
                .catch(e => done([['critical', 'axe-core failed: ' + e]]));",
                "args": []}),
        );
        let page = self.url();
        for v in found.as_array().into_iter().flatten() {
            audit.seen.push((
                v[0].as_str().unwrap_or("?").to_owned(),
                format!("{page}: {}", v[1].as_str().unwrap_or("?")),
            ));
        }
    }

    fn resize(&self, width: u32, height: u32) {
        self.send(
            "POST",
            "/window/rect",
            json!({"width": width, "height": height}),
        );
    }

    fn sign_in(&self, base: &str, email: &str, password: &str) {
        // A new person at the same browser: no session left.
        self.send("DELETE", "/cookie", json!({}));
        self.goto(&format!("{base}/sign-in"));
        self.type_in("#email", email);
        self.type_in("#password", password);
        self.submit("form[action='/sign-in'] button", "action=\"/sign-out\"");
    }

    /// Clicks a form's button and waits for the page it leads to, which
    /// holds `text`.
    fn submit(&self, css: &str, text: &str) -> String {
        self.click(css);
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            let page = self.source();
            if page.contains(text) {
                return page;
            }
            assert!(Instant::now() < until, "after {css}, never {text}: {page}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Reloads `url` until its page holds `text` (a job's result).
    fn wait_for(&self, url: &str, text: &str) -> String {
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            self.goto(url);
            let page = self.source();
            if page.contains(text) {
                return page;
            }
            assert!(Instant::now() < until, "{text} never came: {page}");
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = call(
            self.port,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
        );
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// What axe-core found on the pages it ran on: impact, and what where.
#[derive(Default)]
struct Audit {
    pages: usize,
    seen: Vec<(String, String)>,
}

/// axe-core's script, from the browser suites' npm packages (issue 20,
/// item 3): installed here with `npm ci` when the folder has none yet, so
/// that the README's test command stays one command.
fn axe_source() -> String {
    let suite = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser");
    let script = suite.join("node_modules/axe-core/axe.min.js");
    if !script.is_file() {
        let ok = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&suite)
            .stdout(Stdio::null())
            .status()
            .unwrap_or_else(|e| {
                panic!("npm: {e} — install Node.js and npm (apt-get install -y nodejs npm)")
            });
        assert!(ok.success(), "npm ci in {} failed", suite.display());
    }
    std::fs::read_to_string(&script).unwrap_or_else(|e| panic!("{}: {e}", script.display()))
}

/// The demo's running server, killed at the end.
struct Demo {
    child: Child,
    base: String,
    password: String,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn demo(d: &Data) -> Demo {
    let port = free_port();
    let log = d.0.join("demo.log");
    let child = vigie(&d.0, &["demo", "--listen", &format!("127.0.0.1:{port}")])
        .env("VIGIE_LOG", "warn")
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_healthy(d, port);
    let banner = std::fs::read_to_string(&log).unwrap();
    let password = banner
        .split("password: ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("no password in the banner: {banner}"))
        .to_owned();
    Demo {
        child,
        base: format!("http://127.0.0.1:{port}"),
        password,
    }
}

/// The last code the demo mailed to `to` (its outbox is a folder).
fn code_mailed_to(d: &Data, to: &str) -> String {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let mut mails: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(d.0.join("outbox"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let text = std::fs::read_to_string(e.path()).ok()?;
                Some((e.metadata().ok()?.modified().ok()?, text))
            })
            .filter(|(_, t)| t.contains(to) && t.contains("code de confirmation est"))
            .collect();
        mails.sort();
        if let Some((_, text)) = mails.last() {
            let after = text.split("code de confirmation est : ").nth(1).unwrap();
            return after.chars().take(6).collect();
        }
        assert!(Instant::now() < until, "no code mailed to {to}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn c11_c15_the_journeys_of_agents_and_citizens_in_chromium() {
    let d = Data::new("browser");
    let demo = demo(&d);
    let b = Browser::start();
    let base = &demo.base;
    // axe-core on each main page of the journeys (issue 20, item 3).
    let axe = axe_source();
    let mut audit = Audit::default();

    // A citizen of the demo's application: the public form, then the code
    // mailed to her (C11, C12).
    let citizen = vigie_connect::fixture::person(12);
    let name = format!("{} {}", citizen.prenom, citizen.nom);
    b.goto(&format!("{base}/p/sidec-jura/droits"));
    b.axe(&axe, &mut audit);
    b.click("input[name=kind][value=access]");
    b.type_in("#rq-name", &name);
    b.type_in("#rq-email", &citizen.email);
    b.submit("form.card button[type=submit]", "id=\"code\"");
    let status = b.url();
    assert!(status.contains("/p/sidec-jura/demande/"), "{status}");
    let code = code_mailed_to(&d, &citizen.email);
    b.type_in("#code", &code);
    let confirmed = b.submit("form.card button[type=submit]", "<dd>Reçue</dd>");
    b.axe(&axe, &mut audit);
    assert!(
        confirmed.contains("<dt>Droit exercé</dt><dd>droit d'accès</dd>")
            && confirmed.contains("<dd>Reçue</dd>"),
        "the kind of request is shown: {confirmed}"
    );
    // Switching to English keeps her on her request, not on a sign-in page.
    b.click("a[lang=en]");
    let english = b.source();
    assert!(
        b.url().contains("/p/sidec-jura/demande/") && english.contains("Right exercised"),
        "{}: {english}",
        b.url()
    );
    b.click("a[lang=fr]");

    // The agent: the late erasure of the demo, approved only from its preview.
    b.sign_in(base, "agent@sidec.example", &demo.password);
    b.goto(&format!("{base}/t/sidec-jura/demandes"));
    b.axe(&axe, &mut audit);
    let list = b.source();
    let link = list
        .split("<tr>")
        .find(|row| row.contains("Effacer mes données"))
        .and_then(|row| row.split("href=\"/t/sidec-jura/demandes/").nth(1))
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("no erasure in the list: {list}"))
        .to_owned();
    let request = format!("{base}/t/sidec-jura/demandes/{link}");
    b.goto(&request);
    assert!(
        !b.source().contains("/approve\""),
        "no approval before the preview"
    );
    let preview = b.submit(
        &format!("form[action='/t/sidec-jura/demandes/{link}/preview'] button"),
        "Aperçu avant approbation",
    );
    assert!(preview.contains("•••"), "masked examples: {preview}");
    b.axe(&axe, &mut audit);
    assert!(
        preview.contains("Données de la personne hors du jeu de données")
            && preview.contains("demandes.titre"),
        "what the dataset leaves, before approving: {preview}"
    );
    b.click("input[name=confirm_erasure]");
    b.submit(
        &format!("form[action='/t/sidec-jura/demandes/{link}/approve'] button"),
        "C'est fait.",
    );
    let after = b.wait_for(&request, "Ce que l'effacement a laissé");
    assert!(after.contains("demandes.titre"), "{after}");

    // Her access: verified (her address proven by the code), executed on
    // the demo's system, answered; she downloads her data (C12, C15).
    b.goto(&format!("{base}/t/sidec-jura/demandes"));
    let list = b.source();
    let hers = list
        .split("<tr>")
        .find(|row| row.contains(&name))
        .and_then(|row| row.split("href=\"/t/sidec-jura/demandes/").nth(1))
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("her request is not in the list: {list}"))
        .to_owned();
    let her_page = format!("{base}/t/sidec-jura/demandes/{hers}");
    b.goto(&her_page);
    b.submit(
        &format!("form[action='/t/sidec-jura/demandes/{hers}/verify'] button.primary"),
        "C'est fait.",
    );
    b.submit(
        &format!("form[action='/t/sidec-jura/demandes/{hers}/approve'] button.primary"),
        "C'est fait.",
    );
    // The answer form comes once every system is done: a system's file
    // may show while another still runs (a slow machine raced it).
    let executed = b.wait_for(&her_page, "id=\"act-answer\"");
    assert!(executed.contains("sidec-contacts.csv"), "{executed}");
    b.axe(&axe, &mut audit);
    // Words, not codes, on the agent's page (issue 18).
    for code in ["email_code", "account_id", ">email :", ": phone 0"] {
        assert!(!executed.contains(code), "{code}: {executed}");
    }
    assert!(executed.contains("adresse électronique : "), "{executed}");
    b.type_in(
        "#act-answer",
        "Vous trouverez vos données au lien ci-dessous.",
    );
    b.submit(
        &format!("form[action='/t/sidec-jura/demandes/{hers}/answer'] button.primary"),
        "C'est fait.",
    );
    b.goto(&status);
    let answered = b.source();
    assert!(
        answered.contains("Vous trouverez vos données"),
        "{answered}"
    );
    let export = b.submit("a.button.primary", "sidec-contacts.csv");
    b.axe(&axe, &mut audit);
    assert!(export.contains("informations-art15.txt"), "{export}");

    // A letter from a parent for a child, answered by post (C11, C16).
    b.goto(&format!("{base}/t/sidec-jura/demandes/nouvelle"));
    b.axe(&axe, &mut audit);
    b.click("#rq-intake option[value=letter]");
    b.script("document.querySelector('#rq-received').value = '2026-11-20'");
    b.click("input[name=kind][value=access]");
    b.type_in("#rq-name", "Léo Courrier");
    b.click("#rq-answer-by option[value=post]");
    b.type_in("#rq-postal", "3 rue des Lilas\n39000 Lons-le-Saunier");
    b.type_in("#rq-rep-name", "Paule Courrier");
    b.click("#rq-rep-capacity option[value=parent]");
    b.type_in("#rq-rep-mandate", "livret de famille vu à l'accueil");
    let letter = b.submit("form.card button.primary", "Paule Courrier");
    assert!(
        letter.contains("Paule Courrier") && letter.contains("Léo Courrier"),
        "{letter}"
    );
    assert!(letter.contains("courrier reçu le 2026-11-20"), "{letter}");

    // The shared DPO: the guided dataset on the demo's system, saved as proposed.
    b.sign_in(base, "dpo@cis-valley.example", &demo.password);
    b.goto(&format!("{base}/t/sidec-jura/systemes"));
    let systems = b.source();
    b.axe(&axe, &mut audit);
    let system = systems
        .split("href=\"/t/sidec-jura/systemes/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("{systems}"))
        .to_owned();
    b.goto(&format!("{base}/t/sidec-jura/systemes/{system}"));
    let guide = b.submit("a[href$='/jeu-de-donnees']", "Jeu de données guidé");
    b.axe(&axe, &mut audit);
    assert!(
        guide.contains("<code>contacts</code>") && guide.contains("contacts.id"),
        "{guide}"
    );
    b.submit(
        "form[action$='/jeu-de-donnees'] button.primary",
        "Système enregistré et vérifié.",
    );

    // The DPO's webhooks (issue 20): an endpoint added from the form, its
    // secret shown once, a test queued and listed with its state.
    b.goto(&format!("{base}/t/sidec-jura/webhooks"));
    b.axe(&axe, &mut audit);
    b.type_in("#hook-url", "http://127.0.0.1:9/vigie");
    b.type_in("#hook-description", "Supervision du syndicat");
    let created = b.submit(
        "form[action='/t/sidec-jura/webhooks'] button.primary",
        "id=\"new-secret\"",
    );
    assert!(created.contains("value=\"whsec_"), "{created}");
    b.axe(&axe, &mut audit);
    b.click("table a[href^='/t/sidec-jura/webhooks/']");
    let hook = b.url();
    let tested = b.submit("form[action$='/ping'] button", "Un test est en file");
    assert!(tested.contains("ping_"), "{tested}");
    b.axe(&axe, &mut audit);

    // At a phone's width: nothing overflows sideways, content on the first screen.
    b.resize(390, 844);
    for page in [
        format!("{base}/t/sidec-jura/demandes"),
        request.clone(),
        format!("{base}/t/sidec-jura/systemes/{system}/jeu-de-donnees"),
        hook.clone(),
    ] {
        b.goto(&page);
        let fits = b.script(
            "return [document.documentElement.scrollWidth <= window.innerWidth + 1, \
             document.querySelector('main').getBoundingClientRect().top < window.innerHeight]",
        );
        // What sticks out of the page (not out of a box that scrolls).
        let wide = b.script(
            "const clipped = e => { for (let p = e.parentElement; p; p = p.parentElement) { const o = getComputedStyle(p).overflowX; if (o !== 'visible') return true; } return false; }; \
             return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !clipped(e)).slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))",
        );
        assert_eq!(fits, json!([true, true]), "{page} at 390 px: {wide}");
        b.axe(&axe, &mut audit);
    }

    // The API for people (issue 20, item 5), at a phone's width too.
    b.goto(&format!("{base}/api"));
    assert!(b.source().contains("GET /api/v1/me"));
    b.axe(&axe, &mut audit);

    // The check can fail: an image without a text alternative, added to
    // the last page, is found (critical).
    b.script("const i = document.createElement('img'); i.src = '/favicon.ico'; document.querySelector('main').appendChild(i);");
    let mut control = Audit::default();
    b.axe(&axe, &mut control);
    assert!(
        control
            .seen
            .iter()
            .any(|(impact, v)| impact == "critical" && v.contains("image-alt")),
        "axe-core did not run: {:?}",
        control.seen
    );

    // axe-core: by impact, for the record; none serious or critical.
    let mut by_impact = std::collections::BTreeMap::<&str, usize>::new();
    for (impact, _) in &audit.seen {
        *by_impact.entry(impact.as_str()).or_default() += 1;
    }
    eprintln!(
        "axe-core on {} pages: violations by impact {by_impact:?}",
        audit.pages
    );
    for (impact, v) in &audit.seen {
        eprintln!("  {impact}: {v}");
    }
    let grave: Vec<&String> = audit
        .seen
        .iter()
        .filter(|(impact, _)| matches!(impact.as_str(), "serious" | "critical"))
        .map(|(_, v)| v)
        .collect();
    assert!(
        grave.is_empty(),
        "axe-core, serious or critical:\n{}",
        grave
            .iter()
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
