"""The one module that knows Aliyun SMS (dysmsapi 2017-05-25): send a template through the official SDK, map its errors.

Nothing of the SDK leaks out: callers get a SendResult or a SendError with a FailureKind.
Each send carries the outbox id as ``OutId``, which Aliyun echoes in receipts and in QuerySendDetails,
so ``find_sent`` matches exactly. The SDK is told not to retry: a request that may have reached
Aliyun (read timeout, garbled answer) is UNKNOWN_OUTCOME, never sent twice blindly.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import requests
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_dysmsapi20170525.models import QuerySendDetailsRequest, SendSmsRequest
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
from alibabacloud_tea_openapi.models import Config
from darabonba.runtime import RuntimeOptions

from messaging.gateways import domestic
from messaging.gateways.base import FailureKind, OutgoingSms, Receipt, SendError, SendResult, SentRecord
from domain.phone import mask, national_digits, region_of
from settings import Settings

log = logging.getLogger("jinli.outbox")
ACCESS_KEY_ID, ACCESS_KEY_SECRET = "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"  # the SDK's own names
DEFAULT_HOST = "dysmsapi.aliyuncs.com"
CHINA = ZoneInfo("Asia/Shanghai")  # SendDate and the dates in QuerySendDetails are Beijing time
PAGE_SIZE = 50  # QuerySendDetails' maximum
# QuerySendDetails' SendStatus: 1 waiting for the receipt, 2 failed, 3 delivered.
SEND_STATUS = {1: "waiting", 2: "failed", 3: "delivered"}

R, N, C, U = FailureKind.RETRYABLE, FailureKind.INVALID_NUMBER, FailureKind.CONFIGURATION, FailureKind.UNSUBSCRIBED
# Codes from Aliyun's published API error list; entries ending in "*" match a whole family.
ERROR_KINDS = (
    ("isv.BUSINESS_LIMIT_CONTROL", R), ("Throttling", R), ("Throttling.*", R), ("ServiceUnavailable", R),
    ("InternalError", R), ("isp.SYSTEM_ERROR", R), ("isp.GATEWAY_ERROR", R), ("SignatureNonceUsed", R),
    ("isv.MOBILE_NUMBER_ILLEGAL", N),
    # Template, signature, account, credentials: every text of the campaign would fail the same way.
    ("isv.SMS_TEMPLATE_ILLEGAL", C), ("isv.SMS_SIGNATURE_ILLEGAL", C), ("isv.SMS_SIGNATURE_SCENE_ILLEGAL", C),
    ("isv.SIGN_STATE_ILLEGAL", C), ("isv.SMS_SIGN_ILLEGAL", C), ("isv.TEMPLATE_MISSING_PARAMETERS", C),
    ("isv.TEMPLATE_PARAMS_ILLEGAL", C), ("isv.INVALID_JSON_PARAM", C), ("isv.PARAM_NOT_SUPPORT_URL", C),
    ("isv.AMOUNT_NOT_ENOUGH", C), ("isv.OUT_OF_SERVICE", C), ("isv.PRODUCT_UN_SUBSCRIPT", C),
    ("isv.PRODUCT_UNSUBSCRIBE", C), ("isv.ACCOUNT_NOT_EXISTS", C), ("isv.ACCOUNT_ABNORMAL", C),
    ("isv.DAY_LIMIT_CONTROL", C), ("isv.MONTH_LIMIT_CONTROL", C), ("isv.DENY_IP_RANGE", C),
    ("isv.DOMESTIC_NUMBER_NOT_SUPPORTED", C), ("isp.RAM_PERMISSION_DENY", C), ("SignatureDoesNotMatch", C),
    ("IncompleteSignature", C), ("InvalidAccessKeyId", C), ("InvalidAccessKeyId.*", C), ("Forbidden.*", C),
    ("InvalidTimeStamp.*", C), ("Missing*", C),
    # isv.BLACK_KEY_CONTROL_LIMIT is a blacklisted *keyword* in a variable (a customer's name, say),
    # not an opted-out number: it fails that message only (PERMANENT, the default).
)
del R, N, C, U


class AliyunGateway:
    """Sends approved templates through Aliyun's SendSms; safe to call from many threads at once."""

    name = "aliyun"

    def __init__(self, access_key_id: str, access_key_secret: str, *, sign_name: str, region: str = "cn-hangzhou",
                 endpoint: str = "", timeout: float = 10.0):
        protocol, host = domestic.endpoint(endpoint, DEFAULT_HOST, "aliyun")
        millis = int(timeout * 1000)
        self._config = dict(access_key_id=access_key_id, access_key_secret=access_key_secret, endpoint=host,
                            protocol=protocol, region_id=region, read_timeout=millis, connect_timeout=millis)
        self._sign_name = domestic.sign_name(sign_name, "aliyun")
        self._local = threading.local()

    @classmethod
    def from_settings(cls, settings: Settings, *, environ: Mapping[str, str] | None = None) -> AliyunGateway:
        """A gateway from [aliyun] settings and ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET."""
        env = os.environ if environ is None else environ
        a = settings.aliyun
        return cls(domestic.required_env(env, ACCESS_KEY_ID, "aliyun"), domestic.required_env(env, ACCESS_KEY_SECRET, "aliyun"),
                   sign_name=a.sign_name, region=a.region, endpoint=a.endpoint, timeout=a.timeout_seconds)

    def send(self, sms: OutgoingSms) -> SendResult:
        """SendSms with the message's template; Aliyun's BizId is the provider id. Failures raise SendError."""
        code, params = domestic.template_of(sms, self.name)
        request = SendSmsRequest(phone_numbers=aliyun_number(sms.to), sign_name=self._sign_name, template_code=code,
                                 template_param=domestic.params_json(params) if params else None, out_id=str(sms.message_id))
        try:
            body = self._client().send_sms_with_options(request, RuntimeOptions(autoretry=False)).body
        except Exception as exc:  # noqa: BLE001 - the SDK wraps transport errors in its own types
            raise self._error(exc, sms) from None
        if body.code != "OK":
            raise domestic.failure(self.name, sms, f"{body.code}: {body.message}", error_kind(body.code or ""), code=body.code)
        if not body.biz_id:
            raise domestic.failure(self.name, sms, "Aliyun answered OK but gave no BizId", FailureKind.UNKNOWN_OUTCOME)
        return SendResult(provider_id=body.biz_id, status="queued")

    def find_sent(self, *, message_id: int, phone: str, body: str, since: datetime,
                  until: datetime) -> list[SentRecord] | None:
        """What Aliyun says it sent for this outbox message (QuerySendDetails day by day, matched on OutId).

        [] = nothing found; None = Aliyun cannot answer now. QuerySendDetails gives no BizId, so a
        record's provider_id is '' (receipts match on OutId, which is the message id).
        """
        found = []
        try:
            for day in china_days(since, until):
                found += [r for r in self._details(phone, day) if r.out_id == str(message_id)]
        except Exception:  # noqa: BLE001 - any failure means "cannot say now", never "not sent"
            return None
        return [SentRecord(provider_id="", sent_at=china_time(r.send_date), status=SEND_STATUS.get(r.send_status))
                for r in found]

    def pull_receipts(self, messages: list[Mapping]) -> list[Receipt]:
        """Final receipts of ``messages`` (id, phone, sent_at): QuerySendDetails per number and Beijing day, matched on OutId.

        A (number, day) Aliyun cannot answer now is skipped: the next run asks again.
        """
        groups: dict[tuple[str, date], set[str]] = {}
        for m in messages:
            groups.setdefault((m["phone"], m["sent_at"].astimezone(CHINA).date()), set()).add(str(m["id"]))
        found = []
        for (phone, day), ids in groups.items():
            try:
                details = self._details(phone, day)
            except Exception as exc:  # noqa: BLE001 - one number's failure must not stop the others
                log.warning("aliyun: QuerySendDetails for %s on %s: %s", mask(phone), day, type(exc).__name__)
                continue
            found += [_receipt(d) for d in details if d.out_id in ids and d.send_status in (2, 3)]
        return found

    def _details(self, phone: str, day: date) -> list:
        """Every QuerySendDetails record for ``phone`` on ``day``, all pages."""
        records, page = [], 1
        while True:
            body = self._client().query_send_details_with_options(QuerySendDetailsRequest(
                phone_number=aliyun_number(phone), send_date=day.strftime("%Y%m%d"), page_size=PAGE_SIZE,
                current_page=page), RuntimeOptions(autoretry=False)).body
            if body.code != "OK":
                raise RuntimeError(f"QuerySendDetails: {body.code}")
            batch = (body.sms_send_detail_dtos.sms_send_detail_dto or []) if body.sms_send_detail_dtos else []
            records += batch
            if len(batch) < PAGE_SIZE or len(records) >= int(body.total_count or 0):
                return records
            page += 1

    def _client(self) -> Client:
        # One client object per thread, as for Twilio; underneath, the SDK pools connections per endpoint.
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = Client(Config(**self._config))
        return client

    def _error(self, exc: Exception, sms: OutgoingSms) -> SendError:
        if isinstance(exc, SendError):
            return exc
        if isinstance(exc, AlibabaCloudException):
            status = getattr(exc, "status_code", None) or 0
            code = exc.code or ""
            kind = FailureKind.RETRYABLE if status >= 500 else error_kind(code)
            text = re.sub(r"^code: \d+, ", "", exc.message or "")  # the SDK repeats the HTTP status
            return domestic.failure(self.name, sms, f"HTTP {status}, {code}: {text}", kind, code=code or None)
        transport = domestic.cause(exc, requests.RequestException)
        return domestic.failure(self.name, sms, f"{type(transport or exc).__name__}: {transport or exc}",
                                domestic.transport_kind(transport))


def _receipt(detail) -> Receipt:
    """A QuerySendDetails record (SendStatus 3 delivered, 2 failed) as a Receipt naming its outbox id."""
    delivered = detail.send_status == 3
    return Receipt(int(detail.out_id), None, detail.phone_num or "", "delivered" if delivered else "undelivered",
                   None if delivered else (detail.err_code or None))


def error_kind(code: str) -> FailureKind:
    """The FailureKind of an Aliyun error code (PERMANENT when it is not one we know)."""
    return domestic.kind_of(code, ERROR_KINDS)


def aliyun_number(phone: str) -> str:
    """PhoneNumbers as Aliyun wants them: 11 digits for a mainland mobile, else country code and number."""
    return national_digits(phone) if region_of(phone) == "CN" else phone.lstrip("+")


def china_days(since: datetime, until: datetime) -> list[date]:
    """Each Beijing-time calendar day from ``since`` to ``until``, both included."""
    first, last = since.astimezone(CHINA).date(), until.astimezone(CHINA).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def china_time(text: str | None) -> datetime | None:
    """'2026-11-29 10:00:05' (Beijing time, as QuerySendDetails writes it) as an aware UTC instant."""
    try:
        return datetime.strptime(text or "", "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA).astimezone(timezone.utc)
    except ValueError:
        return None
