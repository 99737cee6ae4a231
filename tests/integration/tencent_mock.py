"""A local stand-in for sms.tencentcloudapi.com (API 2021-01-11) that the real Tencent Cloud SDK talks to.

It verifies the TC3-HMAC-SHA256 signature step by step as Tencent publishes it:

    CanonicalRequest = Method \\n URI \\n QueryString \\n CanonicalHeaders \\n SignedHeaders \\n hex(sha256(payload))
    StringToSign     = "TC3-HMAC-SHA256" \\n Timestamp \\n Date/sms/tc3_request \\n hex(sha256(CanonicalRequest))
    SecretSigning    = HMAC(HMAC(HMAC("TC3" + SecretKey, Date), "sms"), "tc3_request")
    Signature        = hex(HMAC(SecretSigning, StringToSign))

and answers SendSms and PullSmsSendStatusByPhoneNumber in the published shapes: per-number
SendStatusSet codes (Ok, LimitExceeded.*, InvalidParameterValue.IncorrectPhoneNumber,
FailedOperation.TemplateIncorrectOrUnapproved, FailedOperation.PhoneNumberInBlacklist) and
Response.Error for a wrong key or secret (AuthFailure.SecretIdNotFound, AuthFailure.SignatureFailure).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo
from typing import Callable

from tests.integration.provider_mock import Answer, ProviderMock, Received, request_id

SECRET_ID = "AKIDtestSecretId0000000000000000"
SECRET_KEY = "test-secret-key"
SDK_APP_ID = "1400006666"
SIGN_NAME = "金福金行"
CHINA = ZoneInfo("Asia/Shanghai")
SERVICE, VERSION = "sms", "2021-01-11"
ALGORITHM = "TC3-HMAC-SHA256"
REQUIRED = {"SendSms": ("PhoneNumberSet", "SmsSdkAppId", "TemplateId"),
            "PullSmsSendStatusByPhoneNumber": ("BeginTime", "Offset", "Limit", "PhoneNumber", "SmsSdkAppId"),
            "PullSmsSendStatus": ("Limit", "SmsSdkAppId"), "PullSmsReplyStatus": ("Limit", "SmsSdkAppId")}
MESSAGES = {
    "Ok": "send success",
    "LimitExceeded.PhoneNumberThirtySecondLimit": "the number of SMS messages sent from a single mobile number within 30 seconds exceeds the upper limit",
    "InvalidParameterValue.IncorrectPhoneNumber": "invalid mobile number",
    "FailedOperation.TemplateIncorrectOrUnapproved": "template is not approved or request content does not match the approved template content",
    "FailedOperation.SignatureIncorrectOrUnapproved": "signature format is incorrect or signature is not approved",
    "FailedOperation.PhoneNumberInBlacklist": "the mobile number is in the blocklist",
    "FailedOperation.TemplateParamSetNotMatchApprovedTemplate": "the template parameters do not match the approved template",
}
_E164_CN = re.compile(r"^\+861[3-9]\d{9}$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


@dataclass(frozen=True)
class TencentSent:
    """One accepted number of a SendSms request, and the SerialNo it got."""

    phone: str
    sign_name: str
    template_id: str
    params: list[str]
    session_context: str
    serial_no: str
    sent_at: int  # unix seconds


@dataclass
class TencentMock(ProviderMock):
    """The mock; ``templates`` maps approved template ids to their number of variables."""

    templates: dict[str, int] = field(default_factory=lambda: {"2045001": 1})
    sign_names: set[str] = field(default_factory=lambda: {SIGN_NAME})
    secrets: dict[str, str] = field(default_factory=lambda: {SECRET_ID: SECRET_KEY})
    clock: Callable[[], float] = time.time  # when a text is "sent"; the signature window uses real time

    def __post_init__(self):
        super().__init__()
        self.sent: list[TencentSent] = []
        self.refused: list[dict] = []
        self._scripted: dict[str, str] = {}
        self.reports: dict[str, tuple[str, str]] = {}  # SerialNo -> (ReportStatus, errmsg) once the carrier answered
        self._receipt_queue: list[dict] = []  # what PullSmsSendStatus has not handed out yet
        self._reply_queue: list[dict] = []  # what PullSmsReplyStatus has not handed out yet

    def deliver(self, serial_no: str, *, status: str = "SUCCESS", errmsg: str = "DELIVRD") -> list[dict]:
        """The carrier's receipt for ``serial_no``: queued for PullSmsSendStatus, returned as a status callback body."""
        with self.lock:
            sent = next(s for s in self.sent if s.serial_no == serial_no)
            self.reports[serial_no] = (status, errmsg)
            self._receipt_queue.append({**_receipt(sent), "ReportStatus": status, "Description": errmsg})
        local = datetime.fromtimestamp(sent.sent_at + 3, CHINA).strftime("%Y-%m-%d %H:%M:%S")
        return [{"user_receive_time": local, "nationcode": "86", "mobile": sent.phone.removeprefix("+86"),
                 "report_status": status, "errmsg": errmsg, "description": "用户短信送达成功", "sid": serial_no}]

    def reply(self, phone: str, text: str, unix_time: int) -> dict:
        """A reply from ``phone`` (E.164, +86): queued for PullSmsReplyStatus, returned as the reply callback body."""
        local = datetime.fromtimestamp(unix_time, CHINA).strftime("%Y-%m-%d %H:%M:%S")
        with self.lock:
            self._reply_queue.append({"ExtendCode": "", "CountryCode": "86", "PhoneNumber": phone, "SignName": SIGN_NAME,
                                      "ReplyContent": text, "ReplyTime": local, "SubscriberNumber": phone.removeprefix("+86")})
        return {"extend": "", "mobile": phone.removeprefix("+86"), "nationcode": "86", "sign": SIGN_NAME, "text": text,
                "time": unix_time}

    def answer_for(self, phone: str, code: str) -> None:
        """Answer every SendSms to ``phone`` (E.164) with the per-number ``code``."""
        self._scripted[phone] = code

    def handle(self, request: Received) -> Answer:
        problem = self._authenticate(request)
        if problem is not None:
            with self.lock:
                self.refused.append({"code": problem.body["Response"]["Error"]["Code"]})
            return problem
        action = request.headers.get("x-tc-action", "")
        if request.headers.get("x-tc-version") != VERSION or action not in REQUIRED:
            return _error("InvalidAction", f"Action `{action}` is invalid or not found.")
        try:
            params = json.loads(request.body or b"{}")
        except ValueError:
            return _error("FailedOperation.JsonParseFail", "request body is not valid JSON")
        missing = next((p for p in REQUIRED[action] if params.get(p) in (None, "", [])), None)
        if missing:
            return _error("MissingParameter", f"The request is missing a required parameter `{missing}`.")
        if params["SmsSdkAppId"] != SDK_APP_ID:
            return _error("UnauthorizedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId verification failed")
        if action == "PullSmsSendStatus":
            return self._dequeue(self._receipt_queue, params, "PullSmsSendStatusSet")
        if action == "PullSmsReplyStatus":
            return self._dequeue(self._reply_queue, params, "PullSmsReplyStatusSet")
        return self._send(params) if action == "SendSms" else self._pull(params)

    # -- signing ------------------------------------------------------------------------------

    def _authenticate(self, request: Received) -> Answer | None:
        auth = _parse_authorization(request.headers.get("authorization", ""))
        timestamp = request.headers.get("x-tc-timestamp", "")
        if auth is None or not timestamp.isdigit() or "x-tc-action" not in request.headers:
            return _error("AuthFailure.SignatureFailure", "The provided credentials could not be validated because of an incomplete Authorization header.")
        secret_id, date, service, terminator = (auth["Credential"].split("/") + ["", "", ""])[:4]
        if abs(time.time() - int(timestamp)) > 300:
            return _error("AuthFailure.SignatureExpire", "Signature expired. Timestamp and server time differ by more than 5 minutes.")
        if service != SERVICE or terminator != "tc3_request" or date != _utc_date(int(timestamp)):
            return _error("AuthFailure.SignatureFailure", "The provided credential scope is invalid.")
        secret = self.secrets.get(secret_id)
        if secret is None:
            return _error("AuthFailure.SecretIdNotFound", "The SecretId is not found, please ensure that your SecretId is correct.")
        expected = signature(secret, date, string_to_sign(request, auth["SignedHeaders"].split(";"), timestamp, date))
        if not hmac.compare_digest(expected, auth["Signature"]):
            return _error("AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct.")
        return None

    # -- actions ------------------------------------------------------------------------------

    def _send(self, params: dict) -> Answer:
        statuses = [self._send_one(phone, params) for phone in params["PhoneNumberSet"]]
        return Answer(200, {"Response": {"SendStatusSet": statuses, "RequestId": request_id()}})

    def _send_one(self, phone: str, params: dict) -> dict:
        code = self._refusal(phone, params)
        status = {"SerialNo": "", "PhoneNumber": phone, "Fee": 0, "SessionContext": params.get("SessionContext", ""),
                  "Code": code, "Message": MESSAGES[code], "IsoCode": "CN" if phone.startswith("+86") else "DEF"}
        if code != "Ok":
            with self.lock:
                self.refused.append({"code": code, "phone": phone})
            return status
        with self.lock:
            serial = f"5000:{1045710669157053657849499619 + len(self.sent)}"
            self.sent.append(TencentSent(phone, params.get("SignName", ""), params["TemplateId"],
                                         list(params.get("TemplateParamSet") or []), params.get("SessionContext", ""),
                                         serial, int(self.clock())))
        return {**status, "SerialNo": serial, "Fee": 1}

    def _refusal(self, phone: str, params: dict) -> str:
        if phone in self._scripted:
            return self._scripted[phone]
        if not (_E164_CN.match(phone) or (not phone.startswith("+86") and _E164.match(phone))):
            return "InvalidParameterValue.IncorrectPhoneNumber"
        if params.get("SignName") not in self.sign_names:
            return "FailedOperation.SignatureIncorrectOrUnapproved"
        if params["TemplateId"] not in self.templates:
            return "FailedOperation.TemplateIncorrectOrUnapproved"
        values = params.get("TemplateParamSet") or []
        if len(values) != self.templates[params["TemplateId"]] or not all(isinstance(v, str) for v in values):
            return "FailedOperation.TemplateParamSetNotMatchApprovedTemplate"
        return "Ok"

    def _dequeue(self, queue: list[dict], params: dict, name: str) -> Answer:
        """Tencent's pulls are queues: what was pulled once is never returned again."""
        with self.lock:
            batch = queue[: min(int(params["Limit"]), 100)]
            del queue[: len(batch)]
        return Answer(200, {"Response": {name: batch, "RequestId": request_id()}})

    def _pull(self, params: dict) -> Answer:
        end = params.get("EndTime") or int(time.time())
        with self.lock:
            found = [s for s in self.sent if s.phone == params["PhoneNumber"] and params["BeginTime"] <= s.sent_at <= end]
        page = found[params["Offset"]: params["Offset"] + min(params["Limit"], 100)]
        return Answer(200, {"Response": {"PullSmsSendStatusSet": [_receipt(s) for s in page], "RequestId": request_id()}})


def string_to_sign(request: Received, signed_headers: list[str], timestamp: str, date: str) -> str:
    """TC3's string to sign, rebuilt from the request as received."""
    # Tencent: header names and values lower-cased, surrounding spaces removed.
    canonical_headers = "".join(f"{h}:{request.headers.get(h, '').strip().lower()}\n" for h in signed_headers)
    canonical = "\n".join([request.method, request.path, request.query if request.method == "GET" else "",
                           canonical_headers, ";".join(signed_headers), hashlib.sha256(request.body).hexdigest()])
    return f"{ALGORITHM}\n{timestamp}\n{date}/{SERVICE}/tc3_request\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"


def signature(secret_key: str, date: str, to_sign: str) -> str:
    def sign(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()

    signing_key = sign(sign(sign(("TC3" + secret_key).encode("utf-8"), date), SERVICE), "tc3_request")
    return hmac.new(signing_key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def _receipt(sent: TencentSent) -> dict:
    return {"UserReceiveTime": sent.sent_at + 3, "CountryCode": "86", "SubscriberNumber": sent.phone.removeprefix("+86"),
            "PhoneNumber": sent.phone, "SerialNo": sent.serial_no, "ReportStatus": "SUCCESS",
            "Description": "用户短信送达成功", "SessionContext": sent.session_context}


def _utc_date(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d")


def _parse_authorization(value: str) -> dict[str, str] | None:
    """``TC3-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`` as a dict, or None."""
    algorithm, _, rest = value.partition(" ")
    if algorithm != ALGORITHM:
        return None
    fields = dict(part.strip().split("=", 1) for part in rest.split(",") if "=" in part)
    return fields if {"Credential", "SignedHeaders", "Signature"} <= set(fields) else None


def _error(code: str, message: str) -> Answer:
    """Tencent answers API errors with HTTP 200 and Response.Error."""
    return Answer(200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id()}})
