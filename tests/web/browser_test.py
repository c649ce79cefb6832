"""The web page in a real browser: headless Chromium driven by Selenium, against
`policy-calc serve` on 127.0.0.1. Fills the rural-housing form with the README's example and
reads the subsidy, submits a bad value and finds the message beside its field, switches to
English, adds unit rows with the script and reads the per-unit caps, and runs axe-core on the
form and result pages (no serious or critical violation). Screenshots go to target/browser/.

Run: python3 tests/web/browser_test.py (after tests/web/setup.sh). Needs chromium,
chromium-driver (/usr/bin/chromedriver), Python selenium and axe-core (npm, under
target/web-node).
"""

import base64
import os
import shutil
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serverproc import ROOT, Server  # noqa: E402

AXE = os.path.join(ROOT, "target", "web-node", "node_modules", "axe-core", "axe.min.js")
SHOTS = os.path.join(ROOT, "target", "browser")
DEADLINE = time.monotonic() + 240  # the whole test, bounded


def browser(profile, javascript=True):
    opts = webdriver.ChromeOptions()
    if not javascript:
        opts.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2}
        )
    for flag in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,1600",
        f"--user-data-dir={profile}",
    ]:
        opts.add_argument(flag)
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary:
        opts.binary_location = binary
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    d.set_page_load_timeout(30)
    d.implicitly_wait(0)
    return d


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    if time.monotonic() > DEADLINE:
        raise AssertionError("the browser test ran out of time")


def shot(d, name):
    d.save_screenshot(os.path.join(SHOTS, f"{name}.png"))


def axe(d, page, quiet=False):
    """Runs axe-core on the page; fails on a serious or critical violation."""
    with open(AXE, encoding="utf-8") as f:
        d.execute_script(f.read())
    result = d.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations))"
        ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));"
    )
    check(isinstance(result, list), f"axe-core ran on {page}: {result!r}")
    bad = [v for v in result if v.get("impact") in ("serious", "critical")]
    for v in result if not quiet else []:
        print(f"  axe {page}: {v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])} nodes)")
    check(not bad, f"axe-core on {page}: " + "; ".join(f"{v['id']} ({v['impact']})" for v in bad))


def wait_for(d, css):
    WebDriverWait(d, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, css))
    return d.find_element(By.CSS_SELECTOR, css)


def radio(d, name, value):
    d.find_element(By.CSS_SELECTOR, f"input[type=radio][name='{name}'][value='{value}']").click()


def fill(d, name, text):
    e = d.find_element(By.NAME, name)
    e.clear()
    e.send_keys(text)


def set_date(d, name, iso):
    # A date input's typing depends on the locale: set its value as a script would.
    e = d.find_element(By.NAME, name)
    d.execute_script("arguments[0].value = arguments[1];", e, iso)


def main():
    os.makedirs(SHOTS, exist_ok=True)
    profile = tempfile.mkdtemp(prefix="policy-calc-chromium-")
    with Server() as server:
        d = browser(profile)
        try:
            run(d, server.url)
        finally:
            d.quit()
            shutil.rmtree(profile, ignore_errors=True)
        profile = tempfile.mkdtemp(prefix="policy-calc-chromium-nojs-")
        d = browser(profile, javascript=False)
        try:
            run_without_javascript(d, server.url)
        finally:
            d.quit()
            shutil.rmtree(profile, ignore_errors=True)
    print("browser: all checks passed (axe-core: no serious or critical violation); screenshots in target/browser/")


def run(d, url):
    # Home, in Chinese.
    d.get(url + "/")
    check(d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-Hans", "Chinese by default")
    check("农房" in d.page_source, "the subjects on the home page")
    shot(d, "home")
    axe(d, "home")
    # axe-core is not a rubber stamp: an input without a label on this page is caught.
    d.execute_script("document.body.insertAdjacentHTML('beforeend', '<input type=text id=unlabelled>')")
    try:
        axe(d, "home with an unlabelled input", quiet=True)
    except AssertionError as e:
        check("label" in str(e), f"axe-core names the missing label: {e}")
    else:
        raise AssertionError("axe-core missed an input without a label")

    # The README's example: new, prefab, steel, 180.55 m2, on 2023-03-01.
    d.find_element(By.LINK_TEXT, "农房").click()
    wait_for(d, "form.case")
    radio(d, "new", "yes")
    radio(d, "prefab", "yes")
    Select(d.find_element(By.NAME, "structure")).select_by_value("steel")
    fill(d, "floor_area", "180.55")
    set_date(d, "as_of", "2023-03-01")
    shot(d, "form-rural-housing")
    axe(d, "form")
    d.find_element(By.CSS_SELECTOR, "button.primary").click()
    wait_for(d, "article.result")
    article = d.find_element(By.CSS_SELECTOR, "article[data-clause='rural-prefab-subsidy']")
    text = article.text
    check("36,110.00" in text and "元" in text, f"the subsidy 36,110.00 元 on the page: {text!r}")
    check("绍柯政办发〔2022〕14号" in text and "三（六）" in text, f"the document and section: {text!r}")
    check("可享受" in d.page_source, "grouped as the human report")
    shot(d, "result-rural-housing")
    axe(d, "result")

    # English a click away, on the same result.
    d.find_element(By.ID, "lang-switch").click()
    wait_for(d, "html[lang=en]")
    text = d.find_element(By.CSS_SELECTOR, "article[data-clause='rural-prefab-subsidy']").text
    check("36,110.00 CNY" in text, f"36,110.00 CNY in English: {text!r}")
    check("What it gets" in d.page_source, "the English groups")
    shot(d, "result-rural-housing-en")

    # The clause page, from its link.
    d.find_element(By.LINK_TEXT, "rural-prefab-subsidy").click()
    wait_for(d, "blockquote")
    check("rural_subsidy_rate" in d.page_source, "the clause page shows its parameter")
    shot(d, "clause")
    axe(d, "clause")

    # A bad value: the message beside its field.
    d.get(url + "/form/rural_housing?lang=en")
    fill(d, "floor_area", "12,5")
    d.find_element(By.CSS_SELECTOR, "button.primary").click()
    err = wait_for(d, "#err-f-floor-area")
    check("not a number" in err.text, f"the message beside floor_area: {err.text!r}")
    inp = d.find_element(By.ID, "f-floor-area")
    check(inp.get_attribute("aria-invalid") == "true", "the input is marked invalid")
    check("err-f-floor-area" in inp.get_attribute("aria-describedby"), "the input points at its message")
    # The message sits in the same field as the input.
    field = d.find_element(By.XPATH, "//input[@id='f-floor-area']/..")
    check(field.find_elements(By.ID, "err-f-floor-area"), "message and input in one field")
    shot(d, "form-error")
    axe(d, "form with an error")

    # The rental form: three unit rows added by the script, and their rent caps.
    d.get(url + "/form/rental_project?lang=en")
    wait_for(d, "form.case")
    add = d.find_element(By.CSS_SELECTOR, "button[name=add_row]")
    for _ in range(3):
        add.click()
    rows = d.find_elements(By.CSS_SELECTOR, "#rows-units fieldset.row")
    check(len(rows) == 4, f"three unit rows added to the first, without a round trip: {len(rows)}")
    check(d.switch_to.active_element.get_attribute("name") == "units[4].area", "focus on the new row")
    check(d.current_url.endswith("/form/rental_project?lang=en"), "no page load for a row")
    set_date(d, "as_of", "2023-03-01")
    Select(d.find_element(By.NAME, "kind")).select_by_value("residential")
    # Market rents 1000, 2345.67 and 3000.01: caps at 80%, down to the fen, by hand:
    # 800.00, 1876.53 (1876.536), 2400.00 (2400.008).
    for i, (area, count, rent, market) in enumerate(
        [("40", "10", "700", "1000"), ("70.00", "80", "1876.53", "2345.67"), ("88", "20", "2300", "3000.01")],
        start=1,
    ):
        fill(d, f"units[{i}].area", area)
        fill(d, f"units[{i}].count", count)
        fill(d, f"units[{i}].rent", rent)
        fill(d, f"units[{i}].market_rent", market)
    shot(d, "form-rental-3-rows")
    # By keyboard: Enter in the last field evaluates (it does not add a row).
    d.find_element(By.NAME, "units[3].market_rent").send_keys(Keys.ENTER)
    article = wait_for(d, "article[data-clause='arh-rent-cap']")
    text = article.text
    for n, cap in [(1, "800.00 CNY"), (2, "1,876.53 CNY"), (3, "2,400.00 CNY")]:
        check(f"rent cap of unit types no. {n}\n{cap}" in text, f"unit {n}'s cap {cap}: {text!r}")
    shot(d, "result-rental")
    axe(d, "rental result")

    # Print: the language switch and the links to download are not printed; a PDF is made.
    d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    check(not d.find_element(By.ID, "lang-switch").is_displayed(), "no language switch in print")
    check(not d.find_element(By.CSS_SELECTOR, ".actions.no-print").is_displayed(), "no links to download in print")
    check(d.find_element(By.CSS_SELECTOR, "article.result").is_displayed(), "the results in print")
    pdf = d.execute_cdp_cmd("Page.printToPDF", {"printBackground": False})
    with open(os.path.join(SHOTS, "result-rental.pdf"), "wb") as f:
        f.write(base64.b64decode(pdf["data"]))
    d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})

    # A phone's width: nothing wider than the screen.
    d.set_window_size(390, 844)
    d.refresh()
    wait_for(d, "article.result")
    width = d.execute_script("return document.documentElement.scrollWidth")
    check(width <= 390, f"the page fits a phone's width: {width}px")
    shot(d, "result-rental-phone")


def run_without_javascript(d, url):
    """The same rental form with JavaScript off: "add a row" asks the server, the values
    given are kept, and the result comes back. (The form is opened with its evaluation date
    filled in by the address, as a link may do.)"""
    d.get(url + "/form/rental_project?lang=en&as_of=2023-03-01")
    wait_for(d, "form.case")
    fill(d, "units[1].market_rent", "1000")
    d.find_element(By.CSS_SELECTOR, "button[name=add_row]").click()
    WebDriverWait(d, 10).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#rows-units fieldset.row")) == 2)
    check("add_row=units" in d.current_url, f"the row was added by the server: {d.current_url}")
    check(d.find_element(By.NAME, "units[1].market_rent").get_attribute("value") == "1000", "the value kept")
    fill(d, "units[2].market_rent", "3000.01")
    d.find_element(By.CSS_SELECTOR, "button.primary").click()
    article = wait_for(d, "article[data-clause='arh-rent-cap']")
    text = article.text
    check("800.00 CNY" in text and "2,400.00 CNY" in text, f"the caps without JavaScript: {text!r}")
    shot(d, "result-rental-no-javascript")


if __name__ == "__main__":
    main()
