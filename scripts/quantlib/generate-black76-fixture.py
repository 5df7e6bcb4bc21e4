#!/usr/bin/env python3
"""Generate test/fixtures/quantlib-black76.json: Black-76 prices and greeks computed by QuantLib.

Run with Debian's python, which has the QuantLib bindings (python3-quantlib):

    /usr/bin/python3 scripts/quantlib/generate-black76-fixture.py

The output is committed; CI does not run this script. It is deterministic: the same QuantLib version gives a
byte-identical file (random cases come from random.Random(20261121), the evaluation date is fixed).

How a Black-76 option on a forward F is priced in QuantLib here
----------------------------------------------------------------
BlackScholesMertonProcess with spot S = F and dividend yield q = r (both flat, continuously compounded), so the
process forward S*exp((r - q)*tau) is exactly F; AnalyticEuropeanEngine on a plain-vanilla European option. Then
  price = NPV                      (quote currency, discounted with exp(-r*tau))
  delta = delta()                  dV/dS with q = r, which equals dV/dF (F = S for every S)
  gamma = gamma()                  d2V/dS2 = d2V/dF2
  vega  = vega()                   dV/dsigma per 1.00 of vol (QuantLib's convention, not per vol point)
  theta = theta()                  per YEAR; QuantLib's BlackCalculator::theta holds the spot S fixed and r, q
                                   fixed while time passes, and with q = r that is F fixed: theta = -dV/dtau
                                   including the dependence of the discount factor exp(-r*tau) on tau.
This is exactly crossmargin's convention (src/pricing/black76-greeks.ts).

Time: day counter Actual365Fixed and integer days to expiry, so tau = days/365 exactly (the same double as
days / 365.0 here and in TypeScript). The two oracle cases of methods/var-es.md section 12 need tau = 0.5 and
0.75 exactly and use Actual360 with 180 and 270 days instead; they are also priced in their textbook form
(Black-Scholes on a spot; BlackCalculator for Black-76) and the recorded published values are checked here.
"""

import json
import math
import os
import random
import sys

import QuantLib as ql

SEED = 20261121
RANDOM_CASES = 240
EVALUATION_DATE = ql.Date(21, ql.November, 2026)
OUT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures',
                        'quantlib-black76.json')


def black76_via_bsm(is_call, forward, strike, days, vol, rate, day_counter):
    """QuantLib price and greeks of a Black-76 option: BSM process with spot = forward and q = r."""
    today = EVALUATION_DATE
    ql.Settings.instance().evaluationDate = today
    calendar = ql.NullCalendar()
    spot = ql.QuoteHandle(ql.SimpleQuote(forward))
    rate_curve = ql.YieldTermStructureHandle(ql.FlatForward(today, rate, day_counter, ql.Continuous))
    dividend_curve = ql.YieldTermStructureHandle(ql.FlatForward(today, rate, day_counter, ql.Continuous))
    vol_surface = ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, calendar, vol, day_counter))
    process = ql.BlackScholesMertonProcess(spot, dividend_curve, rate_curve, vol_surface)
    payoff = ql.PlainVanillaPayoff(ql.Option.Call if is_call else ql.Option.Put, strike)
    option = ql.EuropeanOption(payoff, ql.EuropeanExercise(today + days))
    option.setPricingEngine(ql.AnalyticEuropeanEngine(process))
    return {
        'price': option.NPV(),
        'delta': option.delta(),
        'gamma': option.gamma(),
        'vega': option.vega(),
        'theta': option.theta(),
    }


def make_case(case_id, is_call, forward, strike, days, vol, rate, day_counter=None, year_days=365):
    day_counter = day_counter or ql.Actual365Fixed()
    tau = days / float(year_days)
    assert day_counter.yearFraction(EVALUATION_DATE, EVALUATION_DATE + days) == tau
    case = {
        'id': case_id,
        'isCall': is_call,
        'forward': forward,
        'strike': strike,
        'days': days,
        'dayCounter': day_counter.name(),
        'tau': tau,
        'vol': vol,
        'rate': rate,
    }
    case.update(black76_via_bsm(is_call, forward, strike, days, vol, rate, day_counter))
    return case


def grid_cases():
    """Corners and centre of the box: both rights x moneyness x expiry x vol x rate extremes."""
    cases = []
    forward = 100.0
    for is_call in (True, False):
        for ratio in (0.5, 1.0, 2.0):
            for days in (1, 730):
                for vol in (0.1, 2.0):
                    for rate in (-0.01, 0.10):
                        right = 'C' if is_call else 'P'
                        case_id = 'grid-%s-k%g-d%d-v%g-r%g' % (right, ratio, days, vol, rate)
                        cases.append(make_case(case_id, is_call, forward, forward * ratio, days, vol, rate))
    return cases


def random_cases():
    rng = random.Random(SEED)
    cases = []
    for i in range(RANDOM_CASES):
        is_call = rng.random() < 0.5
        # Forward log-uniform in [1, 200]: prices of order 1e-2..1e2, so both the relative and the absolute
        # tolerance of the TypeScript test are exercised.
        forward = math.exp(rng.uniform(math.log(1.0), math.log(200.0)))
        ratio = math.exp(rng.uniform(math.log(0.5), math.log(2.0)))  # strike / forward in [0.5, 2]
        strike = forward * ratio
        days = rng.randint(1, 730)
        vol = rng.uniform(0.1, 2.0)
        rate = rng.uniform(-0.01, 0.10)
        cases.append(make_case('random-%03d' % i, is_call, forward, strike, days, vol, rate))
    return cases


def oracle_cases():
    """methods/var-es.md section 12; Actual360 so that tau is exactly 0.5 and 0.75."""
    a360 = ql.Actual360()
    cases = []
    # Hull: Black-Scholes S = 42, K = 40, r = 10 %, q = 0, sigma = 20 %, T = 0.5, i.e. Black-76 on F = 42 e^{0.05}.
    hull_forward = 42.0 * math.exp(0.10 * 0.5)
    for is_call, published in ((True, 4.7594223929), (False, 0.8085993729)):
        right = 'call' if is_call else 'put'
        case = make_case('oracle-hull-bs-' + right, is_call, hull_forward, 40.0, 180, 0.20, 0.10, a360, 360)
        case['published'] = published
        # The textbook form: spot 42, q = 0 (its delta is w.r.t. spot, so only the price is recorded).
        ql.Settings.instance().evaluationDate = EVALUATION_DATE
        spot_form = ql.EuropeanOption(ql.PlainVanillaPayoff(ql.Option.Call if is_call else ql.Option.Put, 40.0),
                                      ql.EuropeanExercise(EVALUATION_DATE + 180))
        process = ql.BlackScholesMertonProcess(
            ql.QuoteHandle(ql.SimpleQuote(42.0)),
            ql.YieldTermStructureHandle(ql.FlatForward(EVALUATION_DATE, 0.0, a360, ql.Continuous)),
            ql.YieldTermStructureHandle(ql.FlatForward(EVALUATION_DATE, 0.10, a360, ql.Continuous)),
            ql.BlackVolTermStructureHandle(ql.BlackConstantVol(EVALUATION_DATE, ql.NullCalendar(), 0.20, a360)))
        spot_form.setPricingEngine(ql.AnalyticEuropeanEngine(process))
        case['spotFormPrice'] = spot_form.NPV()
        cases.append(case)
    # Haug: Black-76 F = K = 19, r = 10 %, sigma = 28 %, T = 0.75; call = put.
    for is_call in (True, False):
        right = 'call' if is_call else 'put'
        case = make_case('oracle-haug-b76-' + right, is_call, 19.0, 19.0, 270, 0.28, 0.10, a360, 360)
        case['published'] = 1.7010507252
        calculator = ql.BlackCalculator(ql.PlainVanillaPayoff(ql.Option.Call if is_call else ql.Option.Put, 19.0),
                                        19.0, 0.28 * math.sqrt(0.75), math.exp(-0.10 * 0.75))
        case['blackCalculatorPrice'] = calculator.value()
        cases.append(case)
    for case in cases:
        for key in ('price', 'spotFormPrice', 'blackCalculatorPrice'):
            if key in case and abs(case[key] - case['published']) > 5e-11:
                sys.exit('oracle %s: QuantLib %s %r disagrees with published %r'
                         % (case['id'], key, case[key], case['published']))
    return cases


def main():
    oracles, grid, randoms = oracle_cases(), grid_cases(), random_cases()
    cases = oracles + grid + randoms
    fixture = {
        'description': 'Black-76 European options on a forward: price and greeks from QuantLib '
                       '(BlackScholesMertonProcess with spot = forward and q = r, AnalyticEuropeanEngine).',
        'generator': 'scripts/quantlib/generate-black76-fixture.py',
        'quantlibVersion': ql.__version__,
        'seed': SEED,
        'evaluationDate': EVALUATION_DATE.ISO(),
        'conventions': {
            'price': 'quote currency per 1 unit of underlying, discounted with exp(-rate*tau)',
            'delta': 'dV/dForward (discounted)',
            'gamma': 'd2V/dForward2',
            'vega': 'dV/dvol per 1.00 of vol',
            'theta': 'dV/dt per year, calendar time passing with forward, vol and rate fixed (= -dV/dtau)',
            'tau': 'years: days/365 (Actual365Fixed); oracle cases days/360 (Actual360)',
            'rate': 'continuously compounded',
        },
        'cases': cases,
    }
    out_path = os.path.normpath(OUT_PATH)
    with open(out_path, 'w') as f:
        json.dump(fixture, f, indent=1)
        f.write('\n')
    calls = sum(1 for c in cases if c['isCall'])
    print('QuantLib %s: wrote %d cases (%d calls, %d puts; %d oracle, %d grid, %d random seed %d) to %s'
          % (ql.__version__, len(cases), calls, len(cases) - calls, len(oracles), len(grid), len(randoms), SEED,
             out_path))
    for case in oracles:
        print('  %-24s price %.10f (published %.10f)' % (case['id'], case['price'], case['published']))


if __name__ == '__main__':
    main()
