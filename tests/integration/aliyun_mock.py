"""A local stand-in for dysmsapi.aliyuncs.com (API 2017-05-25) that the real Alibaba Cloud SDK talks to.

It verifies the ACS3-HMAC-SHA256 signature the installed SDK (alibabacloud-tea-openapi, RPC style,
parameters in the query string) computes, exactly as Aliyun publishes it ("V3 signature"):

    CanonicalRequest = Method \\n CanonicalURI \\n CanonicalQueryString \\n CanonicalHeaders \\n SignedHeaders \\n HashedPayload
    StringToSign     = "ACS3-HMAC-SHA256" \\n hex(sha256(CanonicalRequest))
    Signature        = hex(hmac_sha256(AccessKeySecret, StringToSign))

and answers SendSms and QuerySendDetails in the published shapes: success, throttling
(isv.BUSINESS_LIMIT_CONTROL), an invalid number, a template or signature not approved, a wrong key
or secret (InvalidAccessKeyId.NotFound, SignatureDoesNotMatch). Every send is recorded.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable
from urllib.parse import parse_qsl, quote
from zoneinfo import ZoneInfo

from tests.integration.provider_mock import Answer, ProviderMock, Received, request_id

ACCESS_KEY_ID = "LTAI5tTestKeyId000000000"
ACCESS_KEY_SECRET = "test-access-key-secret"
SIGN_NAME = "金福金行"
CHINA = ZoneInfo("Asia/Shanghai")
HOST_ID = "dysmsapi.aliyuncs.com"
ALGORITHM = "ACS3-HMAC-SHA256"
REQUIRED = {"SendSms": ("PhoneNumbers", "SignName", "TemplateCode"),
            "QuerySendDetails": ("PhoneNumber", "SendDate", "PageSize", "CurrentPage")}
MESSAGES = {
    "isv.BUSINESS_LIMIT_CONTROL": "触发分钟级流控Permits:1",
    "isv.MOBILE_NUMBER_ILLEGAL": "非法手机号",
    "isv.SMS_TEMPLATE_ILLEGAL": "该账号下找不到对应模板",
    "isv.SMS_SIGNATURE_ILLEGAL": "该账号下找不到对应签名",
    "isv.INVALID_JSON_PARAM": "JSON参数不合法，只接受字符串值",
    "isv.TEMPLATE_MISSING_PARAMETERS": "模板变量缺少对应参数值",
}
_MOBILE = re.compile(r"^(?:\+?86|0086)?1[3-9]\d{9}$")


@dataclass(frozen=True)
class AliyunSent:
    """One accepted SendSms: what the SDK sent, TemplateParam decoded, and the BizId it got."""

    phone_numbers: str
    sign_name: str
    template_code: str
    template_param: dict
    out_id: str | None
    biz_id: str
    send_date: str  # "yyyy-MM-dd HH:mm:ss", Beijing time


@dataclass
class AliyunMock(ProviderMock):
    """The mock; ``templates`` maps approved codes to their variable names."""

    templates: dict[str, tuple[str, ...]] = field(default_factory=lambda: {"SMS_465920001": ("name",)})
    sign_names: set[str] = field(default_factory=lambda: {SIGN_NAME})
    secrets: dict[str, str] = field(default_factory=lambda: {ACCESS_KEY_ID: ACCESS_KEY_SECRET})
    clock: Callable[[], datetime] = lambda: datetime.now(CHINA)

    def __post_init__(self):
        super().__init__()
        self.sent: list[AliyunSent] = []
        self.refused: list[dict] = []  # authentication failures and refused sends, for asserts
        self.receipts: dict[str, int] = {}  # BizId -> SendStatus (1 waiting, 2 failed, 3 delivered)
        self.err_codes: dict[str, str] = {}  # BizId -> the carrier's ErrCode
        self._scripted: dict[str, str] = {}

    def answer_for(self, phone: str, code: str) -> None:
        """Answer every SendSms to ``phone`` (11 digits, as Aliyun takes it) with error ``code``."""
        self._scripted[phone] = code

    def report(self, biz_id: str, *, success: bool = True, err_code: str = "DELIVERED") -> dict:
        """The carrier's receipt for ``biz_id``: recorded (QuerySendDetails shows it) and returned as a SmsReport item."""
        with self.lock:
            sent = next(s for s in self.sent if s.biz_id == biz_id)
            self.receipts[biz_id] = 3 if success else 2
            self.err_codes[biz_id] = err_code
        return {"phone_number": sent.phone_numbers, "send_time": sent.send_date, "report_time": sent.send_date,
                "success": success, "err_code": err_code, "err_msg": "用户接收成功" if success else "用户接收失败",
                "sms_size": "1", "biz_id": biz_id, "out_id": sent.out_id or ""}

    @staticmethod
    def reply(phone_number: str, content: str, sequence_id: int, send_time: str = "2025-06-02 10:05:00") -> dict:
        """A SmsUp item: a reply from ``phone_number`` (11 digits, as Aliyun writes it)."""
        return {"phone_number": phone_number, "send_time": send_time, "content": content, "sign_name": SIGN_NAME,
                "dest_code": "1234", "sequence_id": sequence_id}

    def clear(self) -> None:
        with self.lock:
            self.sent.clear()
            self.refused.clear()

    def handle(self, request: Received) -> Answer:
        params = dict(parse_qsl(request.query, keep_blank_values=True))
        if request.body and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            params.update(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
        problem = self._authenticate(request)
        if problem is not None:
            with self.lock:
                self.refused.append({"code": problem.body["Code"], "params": params})
            return problem
        action = request.headers.get("x-acs-action", "")
        if request.headers.get("x-acs-version") != "2017-05-25" or action not in REQUIRED:
            return _error(404, "InvalidAction.NotFound", f"Specified api is not found, please check your url and method.")
        missing = next((p for p in REQUIRED[action] if not params.get(p)), None)
        if missing:
            return _error(400, f"Missing{missing}", f"{missing} is mandatory for this action.")
        return self._send(params) if action == "SendSms" else self._query(params)

    # -- signing ------------------------------------------------------------------------------

    def _authenticate(self, request: Received) -> Answer | None:
        auth = _parse_authorization(request.headers.get("authorization", ""))
        if auth is None or not all(h in request.headers for h in
                                   ("x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256")):
            return _error(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.")
        secret = self.secrets.get(auth["Credential"])
        if secret is None:
            return _error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        if hashlib.sha256(request.body).hexdigest() != request.headers["x-acs-content-sha256"]:
            return _error(400, "SignatureDoesNotMatch", "The x-acs-content-sha256 does not match the request body.")
        to_sign = string_to_sign(request, auth["SignedHeaders"].split(";"))
        expected = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, auth["Signature"]):
            return _error(400, "SignatureDoesNotMatch",
                          f"Specified signature is not matched with our calculation. server string to sign is:{to_sign}")
        return None

    # -- actions ------------------------------------------------------------------------------

    def _send(self, params: dict) -> Answer:
        refusal = self._refusal(params)
        if refusal:
            with self.lock:
                self.refused.append({"code": refusal, "params": params})
            return Answer(200, {"Code": refusal, "Message": MESSAGES[refusal], "RequestId": request_id()})
        with self.lock:
            biz_id = f"{900619746936498440 + len(self.sent)}^0"
            self.sent.append(AliyunSent(params["PhoneNumbers"], params["SignName"], params["TemplateCode"],
                                        json.loads(params.get("TemplateParam") or "{}"), params.get("OutId"), biz_id,
                                        self.clock().astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")))
        return Answer(200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id()})

    def _refusal(self, params: dict) -> str | None:
        phone = params["PhoneNumbers"]
        if phone in self._scripted:
            return self._scripted[phone]
        if not _MOBILE.match(phone):
            return "isv.MOBILE_NUMBER_ILLEGAL"
        if params["SignName"] not in self.sign_names:
            return "isv.SMS_SIGNATURE_ILLEGAL"
        if params["TemplateCode"] not in self.templates:
            return "isv.SMS_TEMPLATE_ILLEGAL"
        try:
            variables = json.loads(params.get("TemplateParam") or "{}")
        except ValueError:
            return "isv.INVALID_JSON_PARAM"
        if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
            return "isv.INVALID_JSON_PARAM"
        if set(self.templates[params["TemplateCode"]]) - set(variables):
            return "isv.TEMPLATE_MISSING_PARAMETERS"
        return None

    def _query(self, params: dict) -> Answer:
        day = params["SendDate"]
        with self.lock:
            found = [s for s in self.sent if s.phone_numbers == params["PhoneNumber"]
                     and s.send_date[:10].replace("-", "") == day]
        size, page = int(params["PageSize"]), int(params["CurrentPage"])
        page_items = found[(page - 1) * size: page * size]
        return Answer(200, {"Code": "OK", "Message": "OK", "RequestId": request_id(), "TotalCount": len(found),
                            "SmsSendDetailDTOs": {"SmsSendDetailDTO": [self._detail(s) for s in page_items]}})

    def _detail(self, sent: AliyunSent) -> dict:
        status = self.receipts.get(sent.biz_id, 1)
        return {"PhoneNum": sent.phone_numbers, "SendStatus": status, "ErrCode": self.err_codes.get(sent.biz_id, "DELIVERED" if status == 3 else ""),
                "TemplateCode": sent.template_code, "Content": f"【{sent.sign_name}】{json.dumps(sent.template_param, ensure_ascii=False)}",
                "SendDate": sent.send_date, "ReceiveDate": sent.send_date if status == 3 else "", "OutId": sent.out_id or ""}


def string_to_sign(request: Received, signed_headers: list[str]) -> str:
    """ACS3's string to sign, rebuilt from the request as received."""
    query = sorted(parse_qsl(request.query, keep_blank_values=True))
    canonical_query = "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in query)
    canonical_headers = "".join(f"{h}:{request.headers.get(h, '').strip()}\n" for h in signed_headers)
    canonical = "\n".join([request.method, request.path, canonical_query, canonical_headers,
                           ";".join(signed_headers), request.headers["x-acs-content-sha256"]])
    return f"{ALGORITHM}\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"


def _parse_authorization(value: str) -> dict[str, str] | None:
    """``ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…`` as a dict, or None."""
    algorithm, _, rest = value.partition(" ")
    if algorithm != ALGORITHM:
        return None
    fields = dict(part.strip().split("=", 1) for part in rest.split(",") if "=" in part)
    return fields if {"Credential", "SignedHeaders", "Signature"} <= set(fields) else None


def _error(status: int, code: str, message: str) -> Answer:
    """Aliyun's POP error body."""
    return Answer(status, {"RequestId": request_id(), "HostId": HOST_ID, "Code": code, "Message": message,
                           "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}&product=Dysmsapi"})
