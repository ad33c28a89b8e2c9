"""Names derived from the plan's words."""

import pytest

from monplan.lang.naming import ALERT_NAME, METRIC_NAME, alert_name, slug, snake


@pytest.mark.parametrize(
    ("metric", "name"),
    [
        ("API Endpoint Availability", "APIEndpointAvailability"),
        ("HTTP 5xx Errors", "HTTP5xxErrors"),
        ("Cross-tenant Data Access", "CrossTenantDataAccess"),
        ("RLS Policy Violations", "RLSPolicyViolations"),
        ("JS Exceptions", "JSExceptions"),
        ("CPU Usage", "CPUUsage"),
        ("customer_code sequence usage", "CustomerCodeSequenceUsage"),
        ("Success/failure ratio", "SuccessFailureRatio"),
        ("Überwachung der Zahlungen", "UberwachungDerZahlungen"),
        ("5xx spikes", "Alert5xxSpikes"),
    ],
)
def test_alert_names_are_pascal_case_with_acronyms_kept(metric, name):
    assert alert_name(metric) == name
    assert ALERT_NAME.match(alert_name(metric))


def test_a_metric_without_latin_letters_still_gets_a_valid_stable_name():
    first = alert_name("指标")
    assert ALERT_NAME.match(first) and first == alert_name("指标") and first != alert_name("其他")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("API Endpoint Availability", "api_endpoint_availability"), ("HTTP 5xx Errors", "http_5xx_errors"),
     ("CustomerCodeDuplicates", "customer_code_duplicates"), ("customer_code Auto-Generation", "customer_code_auto_generation")],
)
def test_snake_case_names_fit_prometheus_series_names(text, expected):
    assert snake(text) == expected
    assert METRIC_NAME.match(f"monplan:{snake(text)}:ratio")


def test_slugs_are_file_names():
    assert slug("New Features / customer_code Auto-Generation") == "new-features-customer-code-auto-generation"
