"""moderndid 0.2.0 (a Python port of HonestDiD) as the reference for our ARP tests."""

from __future__ import annotations

import warnings

import numpy as np


def moderndid_accepts(piece, theta: float) -> bool:
    """Whether moderndid's ``lp_conditional_test`` (hybrid "ARP", deterministic) accepts
    ``theta`` on one polyhedron (an ``honest_rm._Polyhedron``), on the rows ours tests."""
    from moderndid.didhonest.arp_nuisance import _construct_gamma, lp_conditional_test

    study = piece.study
    gamma_inv = np.linalg.inv(_construct_gamma(study.l_vec))
    a_gamma = piece.a[:, study.n_pre :] @ gamma_inv
    y, sigma_y = piece.a @ study.betahat, piece.a @ study.sigma @ piece.a.T
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = lp_conditional_test(
            y_t=y - a_gamma[:, 0] * theta,
            x_t=a_gamma[:, 1:],
            sigma=sigma_y,
            alpha=0.05,
            hybrid_flag="ARP",
            hybrid_list={},
            rows_for_arp=piece._post_rows,
        )
    return not theirs["reject"]
