"""Routing by destination, the domestic gateways' settings and error tables: pure, no network."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from errors import ConfigError
from messaging.gateways import FailureKind, FileGateway, RoutingGateway, gateway_name_for, make_gateway
from messaging.gateways import aliyun, domestic, tencent
from settings import Settings, SmsSettings

ROOT = Path(__file__).resolve().parents[2]


def settings(tmp_path, **sms) -> Settings:
    return Settings(base_dir=tmp_path, sms=dataclasses.replace(SmsSettings(), **sms))


@pytest.mark.parametrize("routes, phone, expected", [
    ({}, "+8613812348000", "file"),
    ({"CN": "aliyun"}, "+8613812348000", "aliyun"),
    ({"CN": "aliyun"}, "+12025550123", "file"),
    ({"CN": "aliyun", "default": "twilio"}, "+12025550123", "twilio"),
    ({"CN": "tencent", "default": "twilio"}, "+85291234567", "twilio"),  # Hong Kong is not CN
    ({"CN": "aliyun", "default": "twilio"}, "not a number", "twilio"),
], ids=["no-routes", "china", "other-country-falls-to-gateway", "default-route", "hong-kong", "unparsable"])
def test_gateway_name_for_picks_by_the_destinations_country(tmp_path, routes, phone, expected):
    assert gateway_name_for(settings(tmp_path, gateway="file", routes=routes), phone) == expected


def test_make_gateway_without_routes_is_the_single_gateway(tmp_path):
    assert isinstance(make_gateway(settings(tmp_path, gateway="file")), FileGateway)


def test_make_gateway_with_routes_builds_each_named_gateway_once(tmp_path):
    gateway = make_gateway(settings(tmp_path, gateway="file", routes={"US": "console", "CA": "console"}))
    assert isinstance(gateway, RoutingGateway) and sorted(gateway.gateways) == ["console", "file"]


@pytest.mark.parametrize("gateway, variable", [("aliyun", "ALIBABA_CLOUD_ACCESS_KEY_ID"), ("tencent", "TENCENTCLOUD_SECRET_ID")])
def test_a_domestic_gateway_without_credentials_names_the_variable(tmp_path, gateway, variable):
    with pytest.raises(ConfigError, match=f'{variable} is not set in the environment \\(\\[sms\\] gateway "{gateway}"'):
        make_gateway(settings(tmp_path, gateway=gateway))


def test_cli_start_up_imports_no_provider_sdk():
    code = "import cli, sys; print(sorted({m.split('.')[0] for m in sys.modules if m.startswith(('alibabacloud', 'tencentcloud', 'twilio'))}))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("value, expected", [
    ("", ("https", "dysmsapi.aliyuncs.com")),
    ("sms-proxy.internal:8443", ("https", "sms-proxy.internal:8443")),
    ("http://127.0.0.1:9000/", ("http", "127.0.0.1:9000")),
])
def test_endpoint_is_a_host_or_a_url(value, expected):
    assert domestic.endpoint(value, "dysmsapi.aliyuncs.com", "aliyun") == expected


@pytest.mark.parametrize("value", ["ftp://127.0.0.1", "http://127.0.0.1:9000/path"])
def test_an_endpoint_with_another_scheme_or_a_path_is_refused(value):
    with pytest.raises(ConfigError, match=r"\[aliyun\] endpoint: expected host\[:port\] or http\(s\)://host\[:port\]"):
        domestic.endpoint(value, "dysmsapi.aliyuncs.com", "aliyun")


def test_a_signature_is_sent_without_brackets_and_must_be_set():
    assert domestic.sign_name("【金福金行】", "aliyun") == "金福金行"
    with pytest.raises(ConfigError, match=r"\[tencent\] sign_name must be set"):
        domestic.sign_name(" 【】 ", "tencent")


def test_tencent_variables_go_in_numeric_placeholder_order():
    assert domestic.positional({"10": "j", "2": "b", "1": "a"}) == ["a", "b", "j"]
    assert domestic.positional({"name": "王芳", "day": "周六"}) == ["王芳", "周六"]


@pytest.mark.parametrize("code, kind", [
    ("isv.BUSINESS_LIMIT_CONTROL", FailureKind.RETRYABLE),
    ("Throttling.User", FailureKind.RETRYABLE),
    ("isv.MOBILE_NUMBER_ILLEGAL", FailureKind.INVALID_NUMBER),
    ("isv.SMS_TEMPLATE_ILLEGAL", FailureKind.CONFIGURATION),
    ("isv.SMS_SIGNATURE_ILLEGAL", FailureKind.CONFIGURATION),
    ("isv.AMOUNT_NOT_ENOUGH", FailureKind.CONFIGURATION),
    ("InvalidAccessKeyId.NotFound", FailureKind.CONFIGURATION),
    ("SignatureDoesNotMatch", FailureKind.CONFIGURATION),
    ("MissingSignName", FailureKind.CONFIGURATION),
    ("isv.BLACK_KEY_CONTROL_LIMIT", FailureKind.PERMANENT),  # a blacklisted keyword in a variable, not a number
    ("isv.SOMETHING_NEW", FailureKind.PERMANENT),
])
def test_aliyun_error_codes(code, kind):
    assert aliyun.error_kind(code) is kind


@pytest.mark.parametrize("code, kind", [
    ("LimitExceeded.PhoneNumberDailyLimit", FailureKind.RETRYABLE),
    ("RequestLimitExceeded", FailureKind.RETRYABLE),
    ("InternalError.RestApiInterfaceNotExist", FailureKind.RETRYABLE),
    ("InternalError.Timeout", FailureKind.UNKNOWN_OUTCOME),  # the exact entry wins over its family
    ("InvalidParameterValue.IncorrectPhoneNumber", FailureKind.INVALID_NUMBER),
    ("FailedOperation.PhoneNumberInBlacklist", FailureKind.UNSUBSCRIBED),
    ("FailedOperation.TemplateIncorrectOrUnapproved", FailureKind.CONFIGURATION),
    ("FailedOperation.SignatureIncorrectOrUnapproved", FailureKind.CONFIGURATION),
    ("AuthFailure.SignatureFailure", FailureKind.CONFIGURATION),
    ("UnauthorizedOperation.SmsSdkAppIdVerifyFail", FailureKind.CONFIGURATION),
    ("InvalidParameterValue.TemplateParameterLengthLimit", FailureKind.PERMANENT),  # this customer's variable
])
def test_tencent_error_codes(code, kind):
    assert tencent.error_kind(code) is kind
