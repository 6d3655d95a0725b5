"""A Twilio REST API double: a real HTTP server on 127.0.0.1 that the real twilio SDK talks to.

Point the SDK at it with TWILIO_API_BASE_URL=double.base_url (`client.api.base_url`). It answers
POST /2010-04-01/Accounts/{sid}/Messages.json (create) and
GET /2010-04-01/Accounts/{sid}/Messages/{MessageSid}.json (fetch) the way Twilio does, checks the
account's Basic auth, records every create request, and can be told to fail: a Twilio error code
with its HTTP status, a 429 with Retry-After, a 5xx with a non-JSON body, or to answer slowly.

For `allervers doctor` and `providers configure` it also answers GET /Accounts/{sid}.json (the
credentials check) and the account's IncomingPhoneNumbers (list by PhoneNumber, update by sid):
`add_number(phone, sms_url=...)` gives the account a number, `numbers` shows their settings.

It also plays Twilio's side of the status callbacks: `status_callback(sid, status, error_code)`
gives the URL and parameters Twilio would post to the StatusCallback of that message; tests sign
them with twilio's RequestValidator and post them to the app.

NumSegments is counted here independently of bot/segments.py (from the encoded bytes), so the
two counts check each other.
"""

from __future__ import annotations

import base64
import itertools
import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "double-auth-token-0123456789abcdef"
SENDER = "+33639989999"  # our number in tests: in the ARCEP fiction range too


def app_settings(base_url: str, channels: str = "sms,whatsapp") -> dict[str, object]:
    """Settings overrides that point the app's Twilio channels at a double."""
    return {
        "ALLERVERS_CHANNELS": channels,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": SENDER,
        "TWILIO_WHATSAPP_FROM": SENDER,
        "TWILIO_API_BASE_URL": base_url,
    }


API_VERSION = "2010-04-01"

# Codes the double knows, with the HTTP status Twilio answers them with on create.
ERRORS: dict[int, tuple[int, str]] = {
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21614: (400, "'To' number is not a valid mobile number"),
    20429: (429, "Too Many Requests"),
    30003: (400, "Unreachable destination handset"),
    30005: (400, "Unknown destination handset"),
    30006: (400, "Landline or unreachable carrier"),
    30007: (400, "Message filtered"),
    30008: (400, "Unknown error"),
    63016: (400, "Failed to send freeform message because you are outside the allowed window"),
    21211: (400, "The 'To' number is not a valid phone number"),
}


@dataclass
class Failure:
    code: int | None = None  # Twilio error code (None: a bare HTTP error)
    status: int | None = None  # HTTP status; from ERRORS when None
    retry_after: str | None = None
    body: str | None = None  # raw body (e.g. an HTML 502 page) instead of Twilio's JSON
    times: int | None = 1  # None: every time
    reset: bool = False  # drop the connection without an answer (a TCP reset)
    hang: float = 0.0  # seconds to wait before answering (past the client's timeout)


@dataclass
class CreateCall:
    params: dict[str, str]
    headers: dict[str, str]
    answered: int = 0  # HTTP status the double answered


@dataclass
class _State:
    calls: list[CreateCall] = field(default_factory=list)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    failures_to: dict[str, Failure] = field(default_factory=dict)
    numbers: dict[str, dict[str, Any]] = field(default_factory=dict)  # sid -> number


class TwilioDouble:
    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.latency = 0.0
        self._state = _State()
        self._lock = threading.Lock()
        self._sids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._serve, daemon=True)

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> TwilioDouble:
        self._thread.start()
        return self

    def _serve(self) -> None:
        self._server.serve_forever(poll_interval=0.05)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- programming it ---------------------------------------------------------------------

    def fail_next(self, failure: Failure) -> None:
        """The next create calls (failure.times of them) fail this way."""
        with self._lock:
            self._state.failures.append(failure)

    def fail_to(self, address: str, failure: Failure) -> None:
        """Creates to that address fail this way (failure.times times, None: always)."""
        with self._lock:
            self._state.failures_to[address] = failure

    def add_number(self, phone_number: str, **settings: str) -> str:
        """Give the account a phone number (sms_url, voice_url, … as Twilio names them)."""
        with self._lock:
            sid = f"PN{next(self._sids):032x}"
            self._state.numbers[sid] = {
                "sid": sid,
                "account_sid": self.account_sid,
                "phone_number": phone_number,
                "friendly_name": phone_number,
                "sms_url": "",
                "sms_method": "POST",
                "voice_url": "",
                "voice_method": "POST",
                "status_callback": "",
                "capabilities": {"sms": True, "voice": True, "mms": False},
                **settings,
            }
            return sid

    # --- reading what happened --------------------------------------------------------------

    @property
    def numbers(self) -> dict[str, dict[str, Any]]:
        """The account's numbers by E.164 value, with their webhook settings."""
        with self._lock:
            return {n["phone_number"]: dict(n) for n in self._state.numbers.values()}

    @property
    def calls(self) -> list[CreateCall]:
        with self._lock:
            return list(self._state.calls)

    @property
    def sent(self) -> list[dict[str, Any]]:
        """The messages the double accepted, in order."""
        with self._lock:
            return list(self._state.messages.values())

    # --- Twilio's side of the status callbacks ---------------------------------------------

    def status_callback(
        self, sid: str, status: str, error_code: int | None = None
    ) -> tuple[str, dict[str, str]]:
        """Move a message to `status`; the URL and form Twilio would post to its StatusCallback."""
        with self._lock:
            message = self._state.messages[sid]
            message["status"] = status
            if error_code is not None:
                message["error_code"] = error_code
            params = {
                "AccountSid": self.account_sid,
                "ApiVersion": API_VERSION,
                "From": message["from"] or "",
                "MessageSid": sid,
                "MessageStatus": status,
                "SmsSid": sid,
                "SmsStatus": status,
                "To": message["to"],
                "RawDlrDoneDate": "2603111000",  # Twilio adds parameters over time
            }
            if message["messaging_service_sid"]:
                params["MessagingServiceSid"] = message["messaging_service_sid"]
            if error_code is not None:
                params["ErrorCode"] = str(error_code)
            return message["_status_callback"], params

    # --- the API ------------------------------------------------------------------------------

    def create(self, params: dict[str, str], headers: dict[str, str]) -> tuple[int, Any, dict]:
        if self.latency:
            time.sleep(self.latency)
        call = CreateCall(params, headers)
        with self._lock:
            self._state.calls.append(call)
            failure = self._take_failure(params.get("To", ""))
            if failure is not None and failure.reset:
                return 0, None, {}  # the handler drops the connection
            if failure is not None:
                status, body, extra = _error_answer(failure)
            else:
                status, body, extra = 201, self._accept(params), {}
            call.answered = status
        if failure is not None and failure.hang:
            time.sleep(failure.hang)  # nothing accepted: the client gave up meanwhile
        return status, body, extra

    def fetch(self, sid: str) -> tuple[int, Any, dict]:
        with self._lock:
            message = self._state.messages.get(sid)
            if message is None:
                body = {"code": 20404, "message": "Not found", "status": 404}
                return 404, body, {}
            return 200, _public(message), {}

    def account(self) -> tuple[int, Any, dict]:
        body = {
            "sid": self.account_sid,
            "friendly_name": "Compte fictif",
            "status": "active",
            "type": "Full",
        }
        return 200, body, {}

    def list_numbers(self, query: dict[str, str]) -> tuple[int, Any, dict]:
        wanted = query.get("PhoneNumber")
        with self._lock:
            found = [
                dict(number)
                for number in self._state.numbers.values()
                if wanted is None or number["phone_number"] == wanted
            ]
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/IncomingPhoneNumbers.json"
        body = {
            "incoming_phone_numbers": found,
            "page": 0,
            "page_size": 50,
            "first_page_uri": uri,
            "next_page_uri": None,
            "previous_page_uri": None,
            "uri": uri,
            "start": 0,
            "end": max(0, len(found) - 1),
        }
        return 200, body, {}

    def update_number(self, sid: str, params: dict[str, str]) -> tuple[int, Any, dict]:
        names = {
            "SmsUrl": "sms_url",
            "SmsMethod": "sms_method",
            "VoiceUrl": "voice_url",
            "VoiceMethod": "voice_method",
            "StatusCallback": "status_callback",
        }
        with self._lock:
            number = self._state.numbers.get(sid)
            if number is None:
                return 404, {"code": 20404, "message": "Not found", "status": 404}, {}
            for key, value in params.items():
                if key in names:
                    number[names[key]] = value
            return 200, dict(number), {}

    def _take_failure(self, to: str) -> Failure | None:
        failure = self._state.failures_to.get(to)
        if failure is not None:
            if failure.times is not None:
                failure.times -= 1
                if failure.times <= 0:
                    del self._state.failures_to[to]
            return failure
        if self._state.failures:
            failure = self._state.failures[0]
            if failure.times is not None:
                failure.times -= 1
                if failure.times <= 0:
                    self._state.failures.pop(0)
            return failure
        return None

    def _accept(self, params: dict[str, str]) -> dict[str, Any]:
        sid = f"SM{next(self._sids):032x}"
        body = params.get("Body", "")
        service = params.get("MessagingServiceSid")
        message = {
            "sid": sid,
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "to": params["To"],
            "from": params.get("From"),
            "messaging_service_sid": service,
            "body": body,
            "status": "accepted" if service and not params.get("From") else "queued",
            "num_segments": str(segments_of(body)) if body else "0",
            "num_media": "0",
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "price": None,
            "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}.json",
            "date_created": "Wed, 11 Mar 2026 09:00:00 +0000",
            "_status_callback": params.get("StatusCallback", ""),
            "_content_sid": params.get("ContentSid"),
            "_content_variables": params.get("ContentVariables"),
        }
        self._state.messages[sid] = message
        return _public(message)

    def authorised(self, header: str | None) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return header == f"Basic {expected}"


def _public(message: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in message.items() if not key.startswith("_")}


def _error_answer(failure: Failure) -> tuple[int, Any, dict[str, str]]:
    known_status, text = ERRORS.get(failure.code or 0, (400, "Error"))
    status = failure.status or known_status
    headers = {"Retry-After": failure.retry_after} if failure.retry_after is not None else {}
    if failure.body is not None:
        return status, failure.body, headers
    body = {
        "code": failure.code,
        "message": text,
        "more_info": f"https://www.twilio.com/docs/errors/{failure.code}",
        "status": status,
    }
    return status, body, headers


# --- NumSegments, counted from the encoded bytes ----------------------------------------------

_GSM_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = "\f^{}\\[~]|€"


def segments_of(body: str) -> int:
    """Twilio's NumSegments: GSM-7 septets (escape pairs kept whole) or UTF-16 bytes."""
    septets: list[bytes] = []
    for char in body:
        if char in _GSM_EXTENSION:
            septets.append(b"\x1b" + bytes([_GSM_EXTENSION.index(char)]))
        elif char in _GSM_BASIC and char != "\x1b":
            septets.append(bytes([_GSM_BASIC.index(char)]))
        else:
            return _chunks([char.encode("utf-16-be") for char in body], 140, 134)
    return _chunks(septets, 160, 153)


def _chunks(pieces: list[bytes], single: int, per_segment: int) -> int:
    if sum(len(piece) for piece in pieces) <= single:
        return 1
    count, room = 1, per_segment
    for piece in pieces:
        if len(piece) > room:
            count, room = count + 1, per_segment
        room -= len(piece)
    return count


# --- HTTP ---------------------------------------------------------------------------------------


def _handler_for(double: TwilioDouble) -> type[BaseHTTPRequestHandler]:
    account = f"/{API_VERSION}/Accounts/{double.account_sid}"
    prefix = f"{account}/Messages"
    numbers = f"{account}/IncomingPhoneNumbers"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms stall

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8")
            if not double.authorised(self.headers.get("Authorization")):
                return self._reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
            if self.path.startswith(numbers + "/") and self.path.endswith(".json"):
                params = dict(parse_qsl(body, keep_blank_values=True))
                sid = self.path[len(numbers) + 1 : -len(".json")]
                return self._reply(*double.update_number(sid, params))
            if self.path != prefix + ".json":
                return self._reply(404, {"code": 20404, "message": "Not found", "status": 404})
            params = dict(parse_qsl(body, keep_blank_values=True))
            status, answer, headers = double.create(params, dict(self.headers))
            if status == 0:  # a reset: no answer, the socket closed with RST
                linger = struct.pack("ii", 1, 0)
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                self.close_connection = True
                return None
            self._reply(status, answer, headers)

        def do_GET(self) -> None:
            if not double.authorised(self.headers.get("Authorization")):
                return self._reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
            path, _, query = self.path.partition("?")
            if path == account + ".json":
                return self._reply(*double.account())
            if path == numbers + ".json":
                return self._reply(*double.list_numbers(dict(parse_qsl(query))))
            if not (path.startswith(prefix + "/") and path.endswith(".json")):
                return self._reply(404, {"code": 20404, "message": "Not found", "status": 404})
            self._reply(*double.fetch(path[len(prefix) + 1 : -len(".json")]))

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            is_text = isinstance(body, str)
            data = body.encode() if is_text else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html" if is_text else "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


# --- Twilio's requests to our webhooks ----------------------------------------------------------

OUR_NUMBER = "+33639989999"


def inbound_params(sid: str, sender: str, body: str, **extra: str) -> dict[str, str]:
    """The form Twilio posts for an incoming SMS (or WhatsApp message: sender "whatsapp:+33…")."""
    to = f"whatsapp:{OUR_NUMBER}" if sender.startswith("whatsapp:") else OUR_NUMBER
    params = {
        "ToCountry": "FR",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": body,
        "To": to,
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "ApiVersion": API_VERSION,
    }
    params.update(extra)
    return params


def signature(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    """X-Twilio-Signature as Twilio computes it, with twilio's own RequestValidator."""
    from twilio.request_validator import RequestValidator

    return str(RequestValidator(token).compute_signature(url, params))


def call_params(sid: str, caller: str, **extra: str) -> dict[str, str]:
    """The form Twilio posts to the voice webhook when someone calls our number."""
    params = {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": API_VERSION,
        "CallSid": sid,
        "CallStatus": "ringing",
        "Called": OUR_NUMBER,
        "Caller": caller,
        "Direction": "inbound",
        "From": caller,
        "FromCountry": "FR",
        "To": OUR_NUMBER,
        "ToCountry": "FR",
    }
    params.update(extra)
    return params


def recording_params(call_sid: str, recording_sid: str, seconds: int = 14) -> dict[str, str]:
    """The recording status callback Twilio posts once a voicemail is stored."""
    return {
        "AccountSid": ACCOUNT_SID,
        "CallSid": call_sid,
        "RecordingSid": recording_sid,
        "RecordingUrl": (
            f"https://api.twilio.com/{API_VERSION}/Accounts/{ACCOUNT_SID}/Recordings/"
            f"{recording_sid}"
        ),
        "RecordingStatus": "completed",
        "RecordingDuration": str(seconds),
        "RecordingChannels": "1",
        "RecordingSource": "RecordVerb",
        "RecordingStartTime": "Wed, 11 Mar 2026 09:00:05 +0000",
    }
