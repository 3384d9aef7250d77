# strings: build 1M small strings in a list, then join them.
def main():
    parts = []
    for i in range(1000000):
        parts.append(str(i) + ",")
    s = "".join(parts)
    print(len(s))


main()
