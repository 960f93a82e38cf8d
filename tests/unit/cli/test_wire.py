"""CLI helpers that need no broker."""

from __future__ import annotations

import os
import signal

import pytest

from streams.cli.wire import interruptible


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interruptible_turns_signals_into_keyboard_interrupt_and_restores_handlers(sig: signal.Signals) -> None:
    def marker(signum: int, frame: object) -> None:  # stands in for the event loop's handler
        pass

    before = signal.signal(sig, marker)
    try:
        with pytest.raises(KeyboardInterrupt), interruptible():
            os.kill(os.getpid(), sig)
        assert signal.getsignal(sig) is marker
    finally:
        signal.signal(sig, before)
