"""Queueing theory the simulation is checked against: M/M/c queues and open networks.

An M/M/c station (Poisson arrivals, exponential service, c servers, first come first served) has
the Erlang C probability of waiting and mean wait.  In an open network of such stations with
Poisson external arrivals and random routing (Jackson; Kelly when a customer's route depends on
its class but every class has the same service rate at a station), each station behaves in the
long run as an M/M/c queue fed at its total arrival rate, found from the traffic equations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MMc:
    """Long-run behaviour of one M/M/c station."""

    servers: int
    arrival_per_min: float
    service_min: float

    @property
    def offered(self) -> float:
        """Offered load in erlangs: arrival rate x mean service time."""
        return self.arrival_per_min * self.service_min

    @property
    def load(self) -> float:
        """Utilisation of each server (rho); the queue is stable only below 1."""
        return self.offered / self.servers

    @property
    def p_wait(self) -> float:
        """Probability that an arrival has to wait (Erlang C)."""
        return erlang_c(self.servers, self.offered)

    @property
    def wait_min(self) -> float:
        """Mean time in queue before service starts."""
        return self.p_wait / (self.servers / self.service_min - self.arrival_per_min)

    @property
    def sojourn_min(self) -> float:
        """Mean time at the station: queue plus service."""
        return self.wait_min + self.service_min

    @property
    def queue_length(self) -> float:
        """Time-average number waiting (Little's law: arrival rate x mean wait)."""
        return self.arrival_per_min * self.wait_min


def erlang_b(servers: int, offered: float) -> float:
    """Blocking probability of M/M/c/c, by the stable recursion B(k) = aB(k-1) / (k + aB(k-1))."""
    if servers < 1 or offered < 0:
        raise ValueError(f"need servers >= 1 and offered load >= 0, got {servers}, {offered}")
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = offered * blocking / (k + offered * blocking)
    return blocking


def erlang_c(servers: int, offered: float) -> float:
    """Probability of waiting in M/M/c with ``offered`` erlangs; the queue must be stable."""
    if not offered < servers:
        raise ValueError(
            f"an M/M/c queue with {servers} servers is unstable at {offered:.4g} erlangs"
        )
    blocking = erlang_b(servers, offered)
    return servers * blocking / (servers - offered * (1.0 - blocking))


def traffic_equations(external: np.ndarray, routing: np.ndarray) -> np.ndarray:
    """Total arrival rate at each node of an open network: solve lambda = gamma + P^T lambda.

    ``external[i]`` is the rate of arrivals from outside at node i; ``routing[i, j]`` the chance
    that a customer leaving i goes to j next (the rest of row i leaves the network).
    """
    external = np.asarray(external, dtype=float)
    routing = np.asarray(routing, dtype=float)
    n = len(external)
    if routing.shape != (n, n):
        raise ValueError(f"routing must be {n} x {n}, got {routing.shape}")
    if (routing < 0).any() or (routing.sum(axis=1) > 1 + 1e-12).any():
        raise ValueError("routing rows must be probabilities summing to at most 1")
    if max(abs(np.linalg.eigvals(routing)), default=0.0) >= 1 - 1e-12:
        raise ValueError("routing is not open: some customers would never leave the network")
    return np.linalg.solve(np.eye(n) - routing.T, external)
