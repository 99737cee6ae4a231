"""The one module that knows Tencent Cloud SMS (API 2021-01-11): send a template through the official SDK, map its errors.

Nothing of the SDK leaks out: callers get a SendResult or a SendError with a FailureKind.
Each send carries the outbox id as ``SessionContext``, which Tencent echoes in receipts, so
``find_sent`` matches exactly. The SDK retries nothing (no retryer is set): a request that may have
reached Tencent (read timeout, garbled answer) is UNKNOWN_OUTCOME, never sent twice blindly.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import requests
from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111.models import (PullSmsReplyStatusRequest, PullSmsSendStatusByPhoneNumberRequest,
                                               PullSmsSendStatusRequest, SendSmsRequest)
from tencentcloud.sms.v20210111.sms_client import SmsClient

from errors import ConfigError
from messaging.gateways import domestic
from messaging.gateways.base import FailureKind, InboundText, OutgoingSms, Receipt, SendError, SendResult, SentRecord
from settings import Settings

SECRET_ID, SECRET_KEY = "TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"  # the SDK's own names
DEFAULT_HOST = "sms.tencentcloudapi.com"
PAGE_SIZE = 100  # PullSmsSendStatusByPhoneNumber's maximum
MAX_PULLS = 50  # pages per reconciler run from PullSmsSendStatus / PullSmsReplyStatus (100 each)
CHINA = ZoneInfo("Asia/Shanghai")  # ReplyTime is Beijing time

R, N, C, U, X = (FailureKind.RETRYABLE, FailureKind.INVALID_NUMBER, FailureKind.CONFIGURATION,
                 FailureKind.UNSUBSCRIBED, FailureKind.UNKNOWN_OUTCOME)
# Codes from Tencent's published SMS error list; entries ending in "*" match a whole family.
ERROR_KINDS = (
    ("LimitExceeded.*", R), ("RequestLimitExceeded", R), ("RequestLimitExceeded.*", R), ("InternalError.*", R),
    ("InternalError", R), ("ServerNetworkError", R),
    # Tencent timed out talking to the carrier: the text may be on its way.
    ("InternalError.Timeout", X), ("InternalError.SendAndRecvFail", X),
    ("InvalidParameterValue.IncorrectPhoneNumber", N), ("FailedOperation.PhoneNumberParseFail", N),
    ("FailedOperation.PhoneNumberInBlacklist", U),  # the user unsubscribed, or a carrier blacklist
    # Template, signature, application, account, credentials: every text of the campaign would fail.
    ("AuthFailure.*", C), ("FailedOperation.TemplateIncorrectOrUnapproved", C),
    ("FailedOperation.SignatureIncorrectOrUnapproved", C), ("FailedOperation.TemplateParamSetNotMatchApprovedTemplate", C),
    ("FailedOperation.TemplateUnapprovedOrNotExist", C), ("FailedOperation.TemplateIdNotExist", C),
    ("FailedOperation.SignIdNotExist", C), ("FailedOperation.MissingSignature", C),
    ("FailedOperation.InsufficientBalanceInSmsPackage", C), ("FailedOperation.MarketingSendTimeConstraint", C),
    ("FailedOperation.ContainSensitiveWord", C), ("UnauthorizedOperation.*", C),
    ("InvalidParameterValue.SdkAppIdNotExist", C), ("InvalidParameterValue.ProhibitedUseUrlInTemplateParameter", C),
    ("InvalidParameterValue.TemplateParameterFormatError", C), ("InvalidParameterValue.InvalidInternational", C),
    ("UnsupportedOperation.*", C), ("MissingParameter", C), ("MissingParameter.*", C), ("InvalidParameter", C),
    ("InvalidParameter.*", C),
)
del R, N, C, U, X


class TencentGateway:
    """Sends approved templates through Tencent's SendSms; safe to call from many threads at once."""

    name = "tencent"

    def __init__(self, secret_id: str, secret_key: str, *, sign_name: str, sdk_app_id: str,
                 region: str = "ap-guangzhou", endpoint: str = "", timeout: float = 10.0):
        if not sdk_app_id.strip():
            raise ConfigError("[tencent] sdk_app_id must be set: the SmsSdkAppId of the SMS console's application")
        self._credentials = (secret_id, secret_key)
        self._protocol, self._host = domestic.endpoint(endpoint, DEFAULT_HOST, "tencent")
        self._sign_name, self._app_id = domestic.sign_name(sign_name, "tencent"), sdk_app_id.strip()
        self._region, self._timeout = region, timeout
        self._local = threading.local()

    @classmethod
    def from_settings(cls, settings: Settings, *, environ: Mapping[str, str] | None = None) -> TencentGateway:
        """A gateway from [tencent] settings and TENCENTCLOUD_SECRET_ID / _KEY."""
        env = os.environ if environ is None else environ
        t = settings.tencent
        return cls(domestic.required_env(env, SECRET_ID, "tencent"), domestic.required_env(env, SECRET_KEY, "tencent"),
                   sign_name=t.sign_name, sdk_app_id=t.sdk_app_id, region=t.region, endpoint=t.endpoint,
                   timeout=t.timeout_seconds)

    def send(self, sms: OutgoingSms) -> SendResult:
        """SendSms with the message's template; Tencent's SerialNo is the provider id. Failures raise SendError."""
        code, params = domestic.template_of(sms, self.name)
        request = SendSmsRequest()
        request.from_json_string(json.dumps({
            "PhoneNumberSet": [sms.to], "SmsSdkAppId": self._app_id, "SignName": self._sign_name, "TemplateId": code,
            "TemplateParamSet": domestic.positional(params), "SessionContext": str(sms.message_id)}))
        try:
            statuses = self._client().SendSms(request).SendStatusSet or []
        except Exception as exc:  # noqa: BLE001 - the SDK wraps transport errors in its own type
            raise self._error(exc, sms) from None
        return self._result(statuses, sms)

    def find_sent(self, *, message_id: int, phone: str, body: str, since: datetime,
                  until: datetime) -> list[SentRecord] | None:
        """What Tencent reports for this outbox message (PullSmsSendStatusByPhoneNumber, matched on SessionContext).

        [] = no receipt for it in the window; None = Tencent cannot answer now, or its receipts carry
        no SessionContext (Tencent echoes it only once enabled for the account), so none can be matched.
        """
        try:
            records = self._receipts(phone, since, until)
        except Exception:  # noqa: BLE001 - any failure means "cannot say now", never "not sent"
            return None
        if any(not r.SessionContext for r in records):
            return None
        return [SentRecord(provider_id=r.SerialNo, status=r.ReportStatus, sent_at=(
                    datetime.fromtimestamp(r.UserReceiveTime, timezone.utc) if r.UserReceiveTime else None))
                for r in records if r.SessionContext == str(message_id)]

    def pull_receipts(self, messages: list[Mapping] = ()) -> list[Receipt]:
        """Every receipt Tencent has not handed out yet (PullSmsSendStatus is a queue), naming SessionContext and SerialNo.

        ``messages`` is not needed: Tencent returns the account's receipts, whoever asks.
        """
        return [Receipt(int(r.SessionContext) if (r.SessionContext or "").isdigit() else None, r.SerialNo,
                        r.PhoneNumber or "", "delivered" if r.ReportStatus == "SUCCESS" else "undelivered",
                        None if r.ReportStatus == "SUCCESS" else (r.Description or None))
                for r in self._drain(PullSmsSendStatusRequest, "PullSmsSendStatus", "PullSmsSendStatusSet")]

    def pull_replies(self) -> list[InboundText]:
        """Every reply Tencent has not handed out yet (PullSmsReplyStatus), keyed like the reply callback."""
        from messaging.domestic_callbacks import china_time, tencent_reply  # the key is shared with the callback

        return [tencent_reply(r.PhoneNumber or "", r.ReplyContent or "", _unix(china_time(r.ReplyTime)))
                for r in self._drain(PullSmsReplyStatusRequest, "PullSmsReplyStatus", "PullSmsReplyStatusSet")]

    def _drain(self, request_type, action: str, field: str) -> list:
        items = []
        for _ in range(MAX_PULLS):
            request = request_type()
            request.from_json_string(json.dumps({"Limit": PAGE_SIZE, "SmsSdkAppId": self._app_id}))
            batch = getattr(getattr(self._client(), action)(request), field) or []
            items += batch
            if len(batch) < PAGE_SIZE:
                break
        return items

    def _receipts(self, phone: str, since: datetime, until: datetime) -> list:
        records, offset = [], 0
        while True:
            request = PullSmsSendStatusByPhoneNumberRequest()
            request.from_json_string(json.dumps({
                "BeginTime": int(since.timestamp()), "EndTime": int(until.timestamp()), "Offset": offset,
                "Limit": PAGE_SIZE, "PhoneNumber": phone, "SmsSdkAppId": self._app_id}))
            batch = self._client().PullSmsSendStatusByPhoneNumber(request).PullSmsSendStatusSet or []
            records += batch
            if len(batch) < PAGE_SIZE:
                return records
            offset += PAGE_SIZE

    def _result(self, statuses: list, sms: OutgoingSms) -> SendResult:
        status = next((s for s in statuses if s.PhoneNumber == sms.to), statuses[0] if statuses else None)
        if status is None:
            raise domestic.failure(self.name, sms, "Tencent answered without a SendStatus", FailureKind.UNKNOWN_OUTCOME)
        if status.Code != "Ok":
            raise domestic.failure(self.name, sms, f"{status.Code}: {status.Message}", error_kind(status.Code or ""),
                                   code=status.Code)
        if not status.SerialNo:
            raise domestic.failure(self.name, sms, "Tencent answered Ok but gave no SerialNo", FailureKind.UNKNOWN_OUTCOME)
        return SendResult(provider_id=status.SerialNo, status="queued")

    def _client(self) -> SmsClient:
        # One client per thread: the SDK's client holds one HTTP connection object.
        client = getattr(self._local, "client", None)
        if client is None:
            http = HttpProfile(protocol=self._protocol, endpoint=self._host, reqTimeout=self._timeout)
            client = self._local.client = SmsClient(Credential(*self._credentials), self._region,
                                                    ClientProfile(httpProfile=http))
        return client

    def _error(self, exc: Exception, sms: OutgoingSms) -> SendError:
        if isinstance(exc, TencentCloudSDKException) and exc.code != "ClientNetworkError":
            code = exc.code or ""
            return domestic.failure(self.name, sms, f"{code}: {exc.message}", error_kind(code), code=code or None)
        transport = domestic.cause(exc, requests.RequestException)
        return domestic.failure(self.name, sms, f"{type(transport or exc).__name__}: {transport or exc}",
                                domestic.transport_kind(transport))


def _unix(at: datetime | None) -> int | None:
    return int(at.timestamp()) if at else None


def error_kind(code: str) -> FailureKind:
    """The FailureKind of a Tencent error code (PERMANENT when it is not one we know)."""
    return domestic.kind_of(code, ERROR_KINDS)
