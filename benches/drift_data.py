"""Writes the drift bench's CSV (`benches/drift.rs`, `write_csv`) from a
script, so a whole-process bench needs no Rust build to make its files.

    python drift_data.py PATH ROWS SHIFT

Ten columns: eight numbers (a..h) from the same xorshift as the Rust
bench, shifted by SHIFT, and two categories (region, channel).
"""

import sys

MASK = (1 << 64) - 1


def main():
    path, rows, shift = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    regions = ["north", "south", "east", "west"]
    channels = ["web", "store", "app"]
    x = 0x2545F4914F6CDD1D
    scale = float(1 << 53)
    with open(path, "w") as out:
        out.write("a,b,c,d,e,f,g,h,region,channel\n")
        lines = []
        for i in range(rows):
            values = []
            for k in range(8):
                x ^= (x << 13) & MASK
                x ^= x >> 7
                x ^= (x << 17) & MASK
                values.append("%.4f" % ((x >> 11) / scale * (k + 1) * 100.0 + shift))
            values.append(regions[i % 4])
            values.append(channels[i % 3])
            lines.append(",".join(values))
            if len(lines) == 10000:
                out.write("\n".join(lines) + "\n")
                lines = []
        if lines:
            out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
