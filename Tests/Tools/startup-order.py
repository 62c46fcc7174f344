"""Names the symbols of SWCLONE that lackey traces touched, in the order first touched:
functions first, then data (lld lays each kind out in its own sections). Usage:
startup-order.py SWCLONE TRACE... > ORDER"""
import bisect
import re
import subprocess
import sys

CODE, DATA = set('tTwWi'), set('dDbBvVrR')


def symbols(binary):
    """(start, size, name, is_code) of every sized symbol, by address."""
    table = []
    for line in subprocess.run(['nm', '-n', '-S', binary], capture_output=True, text=True, check=True).stdout.splitlines():
        fields = line.split()
        if len(fields) == 4 and (fields[2] in CODE or fields[2] in DATA):
            table.append((int(fields[0], 16), int(fields[1], 16), fields[3], fields[2] in CODE))
    return table


def touched(table, traces):
    starts = [s[0] for s in table]
    code, data = {}, {}
    for trace in traces:
        with open(trace) as f:
            for line in f:
                # lackey: "I  addr,size" (instruction fetch), " L|S|M addr,size" (data)
                kind = line[:2]
                if kind not in ('I ', ' L', ' S', ' M'):
                    continue
                addr = int(line[3:line.index(',')], 16)
                i = bisect.bisect_right(starts, addr) - 1
                if i < 0 or addr >= table[i][0] + max(table[i][1], 1):
                    continue
                name, is_code = table[i][2], table[i][3]
                (code if is_code else data).setdefault(name, None)
    return list(code), list(data)


def with_native_variants(code, table):
    """valgrind's CPU makes glibc pick the AVX2 string functions; the real one may pick the
    EVEX or AVX-512 variants: every variant of a family that ran comes along."""
    families = {m.group(1) for name in code if (m := re.match(r'__([a-z0-9]+?)_(sse|avx|evex)', name))}
    names = dict.fromkeys(code)
    for _, _, name, is_code in table:
        if is_code and any(name.startswith(f'__{family}_') for family in families):
            names.setdefault(name, None)
    return list(names)


table = symbols(sys.argv[1])
code, data = touched(table, sys.argv[2:])
print('\n'.join(with_native_variants(code, table) + data))
