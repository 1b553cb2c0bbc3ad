"""Fees and collection (issue 5): money is a ledger (design idea 4).

Where each piece lives:
    choices.py    fee kinds, payers, entry kinds, payment methods, run statuses
    models.py     fee items and effective-dated rates, the billing policy, runs, bills and
                  lines (charges), entries (credits), payments, reversals, extensions,
                  disputes, cashier closes — ledger rows are append-only
    latefee.py    the late-fee arithmetic (FEE-3), pure functions
    rates.py      fee items, rates, the billing policy (FEE-1, FEE-8)
    run.py        the monthly billing run and its preview (FEE-2, FEE-8)
    payments.py   payments, receipts, reversals, credit, the daily close (FEE-5, FEE-6)
    adjustments.py one-off charges, waivers, disputes, due-date extensions (FEE-3, FEE-4)
    ledger.py     the ledger's lock and allocation, used by the writes above
    selectors.py  balances, open lines with the live late fee, settlement (FEE-9)
"""
