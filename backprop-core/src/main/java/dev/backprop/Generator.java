package dev.backprop;

/**
 * An explicit, seedable random-number generator (xoshiro256**, seeded through SplitMix64).
 *
 * <p>Every random tensor takes a generator, so a run is reproducible from its seed alone and the sequence does not
 * depend on the JDK version. Not thread-safe: give each thread its own generator (see {@link #split()}).
 */
public final class Generator {
    private static Generator defaultGenerator = new Generator(0);

    private long s0, s1, s2, s3;
    private double spareGaussian;
    private boolean hasSpare;

    /** A generator whose whole sequence is fixed by {@code seed}. */
    public Generator(long seed) {
        reseed(seed);
    }

    /**
     * Restarts this generator as {@code new Generator(seed)} would start, without allocating: afterwards it yields
     * exactly the sequence of a fresh generator with that seed. For code that needs one short, independent stream
     * per item (a data loader seeding each example's augmentation) on a hot path. Returns this.
     */
    public Generator reseed(long seed) {
        long x = seed;
        x += 0x9E3779B97F4A7C15L; s0 = mix(x);
        x += 0x9E3779B97F4A7C15L; s1 = mix(x);
        x += 0x9E3779B97F4A7C15L; s2 = mix(x);
        x += 0x9E3779B97F4A7C15L; s3 = mix(x);
        hasSpare = false;
        spareGaussian = 0;
        return this;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The process-wide generator used where none is passed (weight initialisation, dropout), seeded with 0 at
     * start-up. Reseed it with {@link #manualSeed} for a reproducible run, as PyTorch's {@code torch.manual_seed}.
     */
    public static synchronized Generator defaultGenerator() {
        return defaultGenerator;
    }

    /** Reseeds the default generator. */
    public static synchronized void manualSeed(long seed) {
        defaultGenerator = new Generator(seed);
    }

    /** 64 uniformly random bits. */
    public long nextLong() {
        long result = Long.rotateLeft(s1 * 5, 7) * 9;
        long t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        return result;
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, 1) with 24 random bits. */
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1.0p-24f;
    }

    /** Uniform integer in [0, bound), without modulo bias. */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive, got " + bound);
        long r = nextLong() >>> 33;
        long m = r * bound;
        long l = m & 0x7FFFFFFFL;
        if (l < bound) {
            long t = (0x80000000L - bound) % bound;
            while (l < t) {
                r = nextLong() >>> 33;
                m = r * bound;
                l = m & 0x7FFFFFFFL;
            }
        }
        return (int) (m >>> 31);
    }

    /** Standard normal N(0, 1) by the Marsaglia polar method. */
    public double nextGaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spareGaussian;
        }
        double u, v, s;
        do {
            u = 2 * nextDouble() - 1;
            v = 2 * nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double m = Math.sqrt(-2 * Math.log(s) / s);
        spareGaussian = v * m;
        hasSpare = true;
        return u * m;
    }

    /** A new generator seeded from this one's stream: independent, and reproducible from the parent's seed. */
    public Generator split() {
        return new Generator(nextLong());
    }

    /** Shuffles {@code a} in place (Fisher–Yates). */
    public void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
