"""MLLP framing (start block 0x0B, payload, end block 0x1C 0x0D) and an incremental decoder."""

from __future__ import annotations

from autarcie.mirror.hl7.errors import MllpFramingError

START_BLOCK = b"\x0b"
END_BLOCK = b"\x1c"
CARRIAGE_RETURN = b"\x0d"
DEFAULT_MAX_FRAME = 16 * 1024 * 1024  # base64 CDA documents in ORU messages can weigh megabytes

# Between frames some senders add line ends or padding; anything else is garbage.
_INTER_FRAME_NOISE = b" \t\r\n\x00"


def frame(payload: bytes) -> bytes:
    """Wrap one HL7 message in an MLLP block."""
    if START_BLOCK in payload or END_BLOCK in payload:
        raise ValueError("an MLLP payload cannot contain 0x0B or 0x1C")
    return START_BLOCK + payload + END_BLOCK + CARRIAGE_RETURN


class MllpDecoder:
    """Turns a byte stream into complete MLLP payloads, whatever the read boundaries.

    `feed` returns the payloads completed by the new bytes. On a framing fault it raises
    MllpFramingError carrying the payloads completed before the fault (so none is lost),
    drops the bad bytes and resynchronises on the next start block; the caller may go on
    feeding or close the connection.
    """

    __slots__ = ("_buffer", "_in_frame", "_skipping", "max_frame_size")

    def __init__(self, max_frame_size: int = DEFAULT_MAX_FRAME) -> None:
        if max_frame_size < 1:
            raise ValueError("max_frame_size must be positive")
        self.max_frame_size = max_frame_size
        self._buffer = bytearray()
        self._in_frame = False
        self._skipping = False

    @property
    def pending(self) -> int:
        """Bytes received but not yet part of a complete frame."""
        return len(self._buffer)

    @property
    def in_frame(self) -> bool:
        """True while a frame has started and not ended (a closed connection loses it)."""
        return self._in_frame

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        frames: list[bytes] = []
        while self._buffer:
            progressed, error = self._step(frames)
            if error is not None:
                raise MllpFramingError(error, tuple(frames))
            if not progressed:
                break
        if self._in_frame and len(self._buffer) > self.max_frame_size:
            size = len(self._buffer)
            self._buffer.clear()
            self._in_frame = False
            self._skipping = True
            raise MllpFramingError(
                f"MLLP frame larger than {self.max_frame_size} bytes ({size} bytes so far "
                "without an end block); the frame is dropped",
                tuple(frames),
            )
        return frames

    def _step(self, frames: list[bytes]) -> tuple[bool, str | None]:
        """Consume what the buffer allows: (progressed, error text on a framing fault)."""
        if self._skipping:
            return self._skip_rest_of_frame(), None
        if not self._in_frame:
            return self._open()
        return self._close(frames)

    def _skip_rest_of_frame(self) -> bool:
        end = self._buffer.find(END_BLOCK)
        if end < 0:
            self._buffer.clear()
            return False
        del self._buffer[: end + 1]
        self._skipping = False
        return True

    def _open(self) -> tuple[bool, str | None]:
        buffer = self._buffer
        start = buffer.find(START_BLOCK)
        stop = len(buffer) if start < 0 else start
        head = bytes(buffer[:stop])
        del buffer[:stop]
        if head.strip(_INTER_FRAME_NOISE):
            return True, f"unexpected bytes outside an MLLP frame were dropped: {head[:40]!r}"
        if start < 0:
            return False, None
        del buffer[:1]
        self._in_frame = True
        return True, None

    def _close(self, frames: list[bytes]) -> tuple[bool, str | None]:
        buffer = self._buffer
        end = buffer.find(END_BLOCK)
        restart = buffer.find(START_BLOCK, 0, len(buffer) if end < 0 else end)
        if restart >= 0:
            del buffer[: restart + 1]
            return True, f"a new MLLP frame started inside another; {restart} bytes were dropped"
        if end < 0:
            return False, None
        payload = bytes(buffer[:end])
        # The standard end is 0x1C 0x0D; a lone 0x1C ends the frame too, at once, for a sender
        # that ends so and waits for its ACK. A 0x0D coming later is noise between frames.
        del buffer[: end + 2 if buffer[end + 1 : end + 2] == CARRIAGE_RETURN else end + 1]
        self._in_frame = False
        if len(payload) > self.max_frame_size:
            return True, f"MLLP frame larger than {self.max_frame_size} bytes was dropped"
        frames.append(payload)
        return True, None
