# sort: sort 200k integers made by a linear congruential generator.
def main():
    n = 200000
    seed = 12345
    xs = []
    for i in range(n):
        seed = (seed * 1103515245 + 12345) % 2147483648
        xs.append(seed)
    xs.sort()
    print(xs[0], xs[-1])


main()
