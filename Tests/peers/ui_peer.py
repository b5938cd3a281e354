"""Kite's web UI in headless Chromium (Debian's chromium and chromium-driver, driven by selenium).

    ui_peer.py mark BASE_URL                 sets the XSS probe "<script>alert(1)</script>" as every run's tag `note`
                                             and as model fraud's description (through MLflow's REST API), and asks
                                             fraud for one prediction
    ui_peer.py browse BASE_URL OUT_DIR       visits every page, follows links between them, screenshots each at
                                             1280x800 and at phone width (390x844) into OUT_DIR, prints a JSON report
    ui_peer.py promote BASE_URL KEY VARIANT READ_TOKEN WRITE_TOKEN
                                             the promote button of a server with auth, as a browser uses it (sign-in
                                             cookie, forms); prints each step's status and redirect as JSON
"""
import json
import signal
import sys
import urllib.request

signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
PROBE = "<script>alert(1)</script>"


def post(base, path, body, method="POST"):
    request = urllib.request.Request(
        base + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method=method
    )
    return urllib.request.urlopen(request).read()


def mark(base):
    runs = json.loads(post(base, "/api/2.0/mlflow/runs/search", {"experiment_ids": ["1"], "max_results": 100}))["runs"]
    for run in runs:
        post(base, "/api/2.0/mlflow/runs/set-tag", {"run_id": run["info"]["run_id"], "key": "note", "value": PROBE})
    post(base, "/api/2.0/mlflow/registered-models/update", {"name": "fraud", "description": PROBE}, method="PATCH")
    # One prediction, so the server's own latency histograms have a request of fraud@champion.
    post(base, "/v1/models/fraud/predict", {"entities": {"customer_id": [1], "merchant_id": [1]}, "request": {"amount": [10.0]}})


def browse(base, out):
    from selenium import webdriver
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,800"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    report = {"pages": {}, "console_errors": [], "alerts": 0, "steps": []}

    def visit(name, url=None):
        if url:
            driver.get(url)
        try:
            driver.switch_to.alert.dismiss()
            report["alerts"] += 1
        except NoAlertPresentException:
            pass
        errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        report["console_errors"] += [f"{name}: {message}" for message in errors]
        page = {
            "url": driver.current_url, "title": driver.title, "svg": len(driver.find_elements(By.CSS_SELECTOR, "svg.chart")),
            "h1": [e.text for e in driver.find_elements(By.TAG_NAME, "h1")], "tables": len(driver.find_elements(By.TAG_NAME, "table")),
            "text": driver.find_element(By.TAG_NAME, "main").text,
            "scripts": len(driver.find_elements(By.TAG_NAME, "script")),
        }
        driver.set_window_size(1280, 800)
        driver.save_screenshot(f"{out}/{name}.png")
        page["overflows_phone"] = False
        driver.set_window_size(390, 844)
        driver.save_screenshot(f"{out}/{name}-phone.png")
        # Usable on a phone: the page itself does not scroll sideways (wide tables scroll in their own box).
        page["overflows_phone"] = driver.execute_script("return document.documentElement.scrollWidth > window.innerWidth + 1")
        driver.set_window_size(1280, 800)
        report["pages"][name] = page

    def click(text):
        report["steps"].append(text)
        driver.find_element(By.LINK_TEXT, text).click()

    visit("models", base + "/ui")
    click("fraud")
    visit("model")
    driver.find_elements(By.CSS_SELECTOR, "table a[href^='/ui/runs/']")[-1].click()  # v1's run: the gbdt, with a curve
    visit("run")
    driver.find_element(By.PARTIAL_LINK_TEXT, "experiment").click()
    visit("runs")
    driver.find_element(By.PARTIAL_LINK_TEXT, "auc").click()
    visit("runs-by-auc")
    for box in driver.find_elements(By.CSS_SELECTOR, "input[name=runs]")[:2]:
        box.click()
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    visit("compare")
    click("Monitoring")
    visit("monitoring")
    visit("monitoring-model", base + "/ui/monitoring/fraud?until=2026-03-02T00:00:00Z&window=2d")
    click("Runs")
    visit("experiments")
    click("Features")
    visit("features")
    click("A/B tests")
    visit("ab")
    driver.find_elements(By.CSS_SELECTOR, "table a[href^='/ui/ab/']")[0].click()
    visit("ab-experiment")
    click("Pipelines")
    visit("pipelines")
    driver.find_elements(By.CSS_SELECTOR, "table a[href^='/ui/pipelines/runs/']")[0].click()
    visit("pipeline-run")
    report["pages"]["pipeline-run"]["logs"] = len(driver.find_elements(By.CSS_SELECTOR, "pre.log"))
    visit("not-found", base + "/ui/models/no-such-model")
    visit("sign-in", base + "/ui/login?next=/ui/ab")
    driver.quit()
    print(json.dumps(report))


def promote(base, key, variant, read_token, write_token):
    import http.cookiejar
    import urllib.error
    import urllib.parse

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *arguments):
            return None

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPCookieProcessor(jar))

    def send(path, form=None, headers=None):
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(base + path, data=data, headers=headers or {})
        try:
            response = opener.open(request)
            return {"status": response.status, "location": response.headers.get("Location"), "body": response.read().decode()}
        except urllib.error.HTTPError as error:
            return {"status": error.code, "location": error.headers.get("Location"), "body": error.read().decode()}

    page = f"/ui/ab/{key}"
    steps = {"anonymous": send(page)}
    steps["sign_in_read"] = send("/ui/login", {"token": read_token, "next": page})
    steps["read_page"] = send(page)
    steps["read_promote"] = send(page + "/promote", {"variant": variant})
    steps["sign_in_write"] = send("/ui/login", {"token": write_token, "next": page})
    steps["cross_site"] = send(page + "/promote", {"variant": variant}, {"Origin": "http://evil.example"})
    steps["write_promote"] = send(page + "/promote", {"variant": variant})
    steps["after"] = send(page)
    steps["sign_out"] = send("/ui/logout", {})
    steps["signed_out"] = send(page)
    for step in steps.values():
        step["body"] = step["body"][:200000]
    print(json.dumps(steps))


if __name__ == "__main__":
    if sys.argv[1] == "mark":
        mark(sys.argv[2])
    elif sys.argv[1] == "browse":
        browse(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "promote":
        promote(*sys.argv[2:7])
