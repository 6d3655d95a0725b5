"""The team's Twilio number answering calls: the TwiML a caller hears, and what Twilio posts.

Built with the Twilio SDK's VoiceResponse. The caller hears a short French message in a natural
voice (`<Say language="fr-FR">` with an Amazon Polly neural voice, which Twilio offers), may be put
through to the team's phone during opening hours (`<Dial>` with a timeout, then voicemail), and
leaves a message (`<Record>`): the recording stays at Twilio, its address comes back in the
recording status callback. Paths are relative to ALLERVERS_PUBLIC_URL, like the SMS webhooks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from twilio.twiml.voice_response import VoiceResponse

from outreach.replies.voice import Call, Recording

VOICE_PATH = "/webhooks/twilio/voice"
DIALED_PATH = "/webhooks/twilio/voice/dialed"  # <Dial action>: answered or not
RECORDED_PATH = "/webhooks/twilio/voice/recorded"  # <Record action>: the caller hung up or ended
RECORDING_PATH = "/webhooks/twilio/voice/recording"  # recordingStatusCallback: the file is ready
LANGUAGE = "fr-FR"
VOICE = "Polly.Lea-Neural"  # a French neural voice (Amazon Polly, through Twilio)
DIAL_SECONDS = 20
RECORD_SECONDS = 120
ANSWERED = "completed"  # DialCallStatus when someone of the team picked up


@dataclass(frozen=True)
class Urls:
    """Absolute URLs Twilio calls back (the public URL + our paths)."""

    dialed: str
    recorded: str
    recording: str

    @classmethod
    def under(cls, public_url: str) -> Urls:
        base = public_url.rstrip("/")
        return cls(base + DIALED_PATH, base + RECORDED_PATH, base + RECORDING_PATH)


def answer(greeting: str, then: str, *, urls: Urls, forward_to: str | None = None) -> str:
    """Greet, ring the team's phone first when asked, else take a message."""
    response = VoiceResponse()
    response.say(greeting, language=LANGUAGE, voice=VOICE)
    if forward_to:
        response.say(then, language=LANGUAGE, voice=VOICE)
        dial = response.dial(timeout=DIAL_SECONDS, action=urls.dialed, method="POST")
        dial.number(forward_to)
        return str(response)
    _take_message(response, then, urls=urls)
    return str(response)


def voicemail(prompt: str, *, urls: Urls) -> str:
    """After an unanswered <Dial>: take a message."""
    response = VoiceResponse()
    _take_message(response, prompt, urls=urls)
    return str(response)


def goodbye(text: str | None = None) -> str:
    response = VoiceResponse()
    if text:
        response.say(text, language=LANGUAGE, voice=VOICE)
    response.hangup()
    return str(response)


def _take_message(response: VoiceResponse, prompt: str, *, urls: Urls) -> None:
    response.say(prompt, language=LANGUAGE, voice=VOICE)
    response.record(
        max_length=RECORD_SECONDS,
        play_beep=True,
        action=urls.recorded,
        method="POST",
        recording_status_callback=urls.recording,
        recording_status_callback_method="POST",
        recording_status_callback_event="completed",
    )


def parse_call(params: dict[str, str], *, received_at: datetime) -> Call | None:
    """An incoming call, or None without CallSid. A withheld number comes as "" ("anonymous")."""
    call_id = params.get("CallSid", "")
    if not call_id:
        return None
    caller = params.get("From", "")
    if not caller.startswith("+"):
        caller = ""
    return Call(call_id=call_id, caller=caller, received_at=received_at, raw=dict(params))


def parse_recording(params: dict[str, str]) -> Recording | None:
    """A finished voicemail, or None when the callback carries no usable recording."""
    call_id, recording_id = params.get("CallSid", ""), params.get("RecordingSid", "")
    url = params.get("RecordingUrl", "")
    if not call_id or not recording_id or not url.startswith("https://"):
        return None
    if params.get("RecordingStatus", "completed") != "completed":
        return None
    duration = params.get("RecordingDuration", "")
    return Recording(
        call_id=call_id,
        recording_id=recording_id,
        url=url,
        seconds=int(duration) if duration.isdigit() else None,
    )


def answered(params: dict[str, str]) -> bool:
    return params.get("DialCallStatus") == ANSWERED
