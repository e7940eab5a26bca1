"""Which HL7 senders the listener accepts: a network and, optionally, MSH-3^MSH-4."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from autarcie.core.errors import ConfigurationError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class SenderRule:
    network: Network
    application: str  # "*" for any MSH-3^MSH-4

    def accepts(self, address: str, application: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return ip in self.network and self.application in ("*", application)


@dataclass(frozen=True)
class SenderPolicy:
    rules: tuple[SenderRule, ...]

    def accepts(self, address: str, application: str) -> bool:
        return any(rule.accepts(address, application) for rule in self.rules)

    def accepts_address(self, address: str) -> bool:
        """True when some rule takes this address, whatever MSH-3^MSH-4 it requires."""
        return any(rule.accepts(address, rule.application) for rule in self.rules)


def parse_policy(text: str) -> SenderPolicy:
    """``'10.1.2.3/32=HIS^CHX, 127.0.0.1'`` -> a policy; an empty text accepts nobody."""
    rules: list[SenderRule] = []
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        network_text, _, application = entry.partition("=")
        try:
            network = ipaddress.ip_network(network_text.strip(), strict=False)
        except ValueError as exc:
            raise ConfigurationError(
                f"AUTARCIE_HL7_SENDERS: {network_text.strip()!r} is not an address or network"
            ) from exc
        rules.append(SenderRule(network, application.strip() or "*"))
    return SenderPolicy(tuple(rules))
