"""ODK Web Forms' page as a person fills it: questions found by their label."""

from __future__ import annotations

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

# Web Forms redraws questions as answers change: an element found a moment ago may be gone.
REDRAWN = (StaleElementReferenceException,)


def wait(driver: webdriver.Chrome, seconds: float) -> WebDriverWait:
    """A wait that looks again when Web Forms has redrawn what it held."""
    return WebDriverWait(driver, seconds, ignored_exceptions=REDRAWN)


class WebForm:
    """The form as ODK Web Forms draws it: questions found by their label."""

    def __init__(self, driver: webdriver.Chrome) -> None:
        self.driver = driver

    def question(self, label: str, n: int = 1) -> WebElement:
        return self.driver.find_element(
            By.XPATH,
            "(//div[contains(@class,'question-container')]"
            f"[./div[@class='control-text']/label[normalize-space(.)='{label}']])[{n}]",
        )

    def type(self, label: str, value: str, n: int = 1) -> None:
        wait(self.driver, 10).until(
            lambda _d: self.question(label, n).find_element(By.TAG_NAME, "input")
        ).send_keys(value)

    def choose(self, label: str, value: str, n: int = 1) -> None:
        def click(_d: webdriver.Chrome) -> bool:
            radio = self.question(label, n).find_element(
                By.CSS_SELECTOR, f"input[type=radio][value='{value}']"
            )
            self.driver.execute_script("arguments[0].click()", radio)
            return True

        wait(self.driver, 10).until(click)

    def pick(self, label: str, option_text: str, n: int = 1) -> None:
        """A value from a list attached to the form (a dropdown)."""
        self.question(label, n).find_element(By.CSS_SELECTOR, ".p-select-label").click()
        option = wait(self.driver, 10).until(
            lambda d: next(
                (
                    o
                    for o in d.find_elements(By.CSS_SELECTOR, "li[role=option]")
                    if o.text.strip() == option_text
                ),
                None,
            )
        )
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", option)
        option.click()  # a real click: the list answers to pointer events
        wait(self.driver, 10).until(
            lambda _d: (
                self.question(label, n).find_element(By.CSS_SELECTOR, ".p-select-label").text
                == option_text
            )
        )

    def date(self, label: str, year: int, month: str, day: int, n: int = 1) -> None:
        """A date through the calendar: year, month, then day."""
        field = self.question(label, n).find_element(By.TAG_NAME, "input")

        def years_offered(_d: webdriver.Chrome) -> list[str]:
            """The year view's years; until it shows, ask for it again. Under load the panel
            can open (or close again) before its header answers a click, and a click that
            went nowhere is not repeated by waiting (CI failed here twice)."""
            years = [y.text.strip() for y in self._cells(".p-datepicker-year")]
            if any(years):
                return years
            header = self._cells(".p-datepicker-select-year")
            if header:
                header[0].click()
            elif not self.driver.find_elements(By.CSS_SELECTOR, ".p-datepicker-panel"):
                field.click()
            return []  # not yet: the wait looks again

        # Each view of the calendar renders after the click that asks for it (slower under
        # load): every step waits for what it picks (a read of a view being replaced retries).
        panel_wait = WebDriverWait(self.driver, 30, poll_frequency=1.0, ignored_exceptions=REDRAWN)
        for _ in range(10):  # back a decade at a time until the year is offered
            offered = panel_wait.until(years_offered)
            if str(year) in offered:
                self._click_cell(".p-datepicker-year", str(year))
                break
            self._cells(".p-datepicker-prev-button")[0].click()
            self._until_changed(".p-datepicker-year", offered)
        self._click_cell(".p-datepicker-month", month)
        self._click_cell(
            "td.p-datepicker-day-cell:not(.p-datepicker-other-month) .p-datepicker-day", str(day)
        )
        wait(self.driver, 10).until(
            lambda _d: not self.driver.find_elements(By.CSS_SELECTOR, ".p-datepicker-panel")
        )

    def _cells(self, selector: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, f".p-datepicker-panel {selector}")

    def _until_changed(self, selector: str, before: list[str]) -> None:
        wait(self.driver, 10).until(
            lambda _d: [cell.text.strip() for cell in self._cells(selector)] != before
        )

    def _click_cell(self, selector: str, text_shown: str) -> None:
        """Click the calendar cell reading ``text_shown`` once its view has rendered."""
        cell = wait(self.driver, 10).until(
            lambda _d: next(
                (c for c in self._cells(selector) if c.text.strip() == text_shown), None
            )
        )
        assert cell is not None  # a wait returns only what is found
        cell.click()

    def button(self, text_shown: str) -> WebElement:
        return wait(self.driver, 10).until(
            lambda d: next(
                (b for b in d.find_elements(By.TAG_NAME, "button") if b.text.strip() == text_shown),
                None,
            )
        )
