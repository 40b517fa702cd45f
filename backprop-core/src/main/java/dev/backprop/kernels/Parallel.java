package dev.backprop.kernels;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The process-wide pool of worker threads that the kernels split their loops over.
 *
 * <p>There is one fixed pool, sized by default to {@link Runtime#availableProcessors()}, and resizable with
 * {@link #setThreads(int)}. {@link #forRange(int, int, RangeBody)} splits an index range into at most
 * {@link #threads()} contiguous chunks, runs the first chunk on the calling thread and the others on the
 * workers, and returns when all are done. The split depends only on the range, the grain and the pool size,
 * never on timing. A caller that finishes its own chunk before a worker has picked up another runs that one
 * too, so a worker that is slow to wake (or descheduled on a busy machine) does not hold the call up.
 *
 * <p>It is built for many short calls (one per kernel invocation), so the hand-off is deliberately light:
 * a call publishes one small job object through a volatile field and unparks only workers that have actually
 * parked. The workers are daemon threads that, after finishing a chunk, spin with {@link Thread#onSpinWait()}
 * for a short while (200 µs by default; system property {@code backprop.parallel.spinMicros}) waiting for the
 * next call, and only then park. A hand-off to a spinning worker costs well under a microsecond; the common
 * {@link java.util.concurrent.ForkJoinPool} costs more per call than a small matrix product. A pool with more
 * threads than the machine has processors parks almost at once instead, since spinning there would hold a
 * processor that another thread needs.
 *
 * <p>Nesting never oversubscribes: while a parallel call is running, any {@code forRange} made from inside
 * it — on a worker, on the calling thread, or by any other thread that finds the pool busy — runs serially
 * on the thread that made it. A call that runs inline (because {@code n <= grain} or there is one thread)
 * does not occupy the pool, so calls nested in it may still go parallel.
 */
public final class Parallel {

    /**
     * The body of a parallel loop: processes the half-open index range {@code [start, end)}.
     */
    @FunctionalInterface
    public interface RangeBody {
        /**
         * Processes indices {@code start} (inclusive) to {@code end} (exclusive).
         *
         * @param start first index of the chunk
         * @param end   one past the last index of the chunk
         */
        void run(int start, int end);
    }

    /**
     * How long a waiting thread (an idle worker, or a caller waiting for its workers) spins with
     * {@link Thread#onSpinWait()} before it parks, in nanoseconds: system property
     * {@code backprop.parallel.spinMicros}, default 200 µs. Waking a parked thread was measured at 60–100 µs
     * in the virtual machines this was tuned on (tens of µs on bare metal), while a spinning worker picks up a
     * call in well under a microsecond, so spinning through the short gaps between the kernels of one training
     * step pays. Polling with {@link Thread#yield()} instead was measured to be as slow as parking there.
     */
    private static final long SPIN_NANOS = 1000L * Math.max(0L, Long.getLong("backprop.parallel.spinMicros", 200L));

    private static final Object RESIZE_LOCK = new Object();

    private static volatile Pool pool = new Pool(Math.max(1, Runtime.getRuntime().availableProcessors()));

    private Parallel() {
    }

    /**
     * The number of threads a parallel loop uses, counting the calling thread.
     *
     * @return the pool size, at least 1
     */
    public static int threads() {
        return pool.size;
    }

    /**
     * Resizes the pool to {@code n} threads in all (the calling thread plus {@code n - 1} workers). The old
     * workers finish whatever chunk they are running and exit. {@code setThreads(1)} makes every loop serial.
     * Calls already in flight complete on the old pool; calls that race with the resize may run serially.
     *
     * @param n the new number of threads, at least 1
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public static void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + n);
        }
        synchronized (RESIZE_LOCK) {
            Pool old = pool;
            if (old.size == n) {
                return;
            }
            pool = new Pool(n);
            old.shutdown();
        }
    }

    /**
     * Runs {@code body} over {@code [0, n)} split into at most {@link #threads()} contiguous chunks of at least
     * {@code grain} indices each (chunk c is {@code [c*n/chunks, (c+1)*n/chunks)}). The first chunk runs on the
     * calling thread, the others on pool workers (or on the caller, if it gets to them first); the call returns
     * once every chunk has finished. Each index is passed to exactly one chunk. If {@code n <= grain}, there is one thread, or the call is nested
     * inside a running parallel loop, {@code body.run(0, n)} runs directly on the calling thread.
     *
     * <p>If any chunk throws, the first throwable is rethrown here after all chunks have finished (others are
     * attached to it as suppressed exceptions). Writes made by the chunks are visible to the caller on return.
     *
     * @param n     the number of indices; nothing is run if {@code n == 0}
     * @param grain the minimum chunk size (values below 1 count as 1)
     * @param body  the loop body
     * @throws IllegalArgumentException if {@code n < 0}
     */
    public static void forRange(int n, int grain, RangeBody body) {
        Objects.requireNonNull(body, "body");
        if (n <= 0) {
            if (n < 0) {
                throw new IllegalArgumentException("n must be >= 0, got " + n);
            }
            return;
        }
        if (grain < 1) {
            grain = 1;
        }
        Pool p = pool;
        int chunks = Math.min(p.size, n / grain);
        if (chunks <= 1 || Thread.currentThread() instanceof Worker || !p.tryAcquire()) {
            body.run(0, n);
            return;
        }
        try {
            p.run(body, n, chunks);
        } finally {
            p.release();
        }
    }

    /**
     * Like {@link #forRange}, but cut into {@code chunks} contiguous pieces (up to n), which may be more than
     * there are threads: each thread, the caller included, claims the next unclaimed piece when it is free. On a
     * busy machine, where one of the threads may get a fraction of a processor, the others then take over its
     * share rather than wait for it; with equal threads it costs one atomic increment per piece. Each index
     * still goes to exactly one piece, and the pieces depend only on n and {@code chunks}; which thread runs a
     * piece depends on timing, so the body must compute the same whatever thread runs it. Runs inline when
     * {@code forRange} would (one thread, nested calls, one piece).
     */
    public static void forChunks(int n, int chunks, RangeBody body) {
        Objects.requireNonNull(body, "body");
        if (n <= 0) {
            if (n < 0) {
                throw new IllegalArgumentException("n must be >= 0, got " + n);
            }
            return;
        }
        Pool p = pool;
        int c = Math.min(n, chunks);
        if (c <= 1 || p.size <= 1 || Thread.currentThread() instanceof Worker || !p.tryAcquire()) {
            body.run(0, n);
            return;
        }
        try {
            p.run(body, n, c);
        } finally {
            p.release();
        }
    }

    /**
     * One step of an active wait that began at {@code since} and may last {@code spin} ns; false once it is
     * time to park. The clock is read only every 64 rounds.
     */
    private static boolean backOff(long since, int round, long spin) {
        if ((round & 63) != 0 || System.nanoTime() - since < spin) {
            Thread.onSpinWait();
            return true;
        }
        return false;
    }

    /**
     * One parallel call. Its chunks are fixed when it is created (so the split never depends on timing), but
     * any thread may claim any chunk: the caller takes chunk 0, workers claim the rest as they arrive, and a
     * caller that finishes first claims what is left, so a worker that is slow to wake (parked, or descheduled)
     * delays nothing.
     */
    private static final class Job {
        final RangeBody body;
        final int n;
        final int chunks;
        final Thread caller;
        /** Which call of its pool this is; workers remember the number, not the job, so as not to keep it alive. */
        final long seq;
        /** The next chunk to hand out. */
        final AtomicInteger next = new AtomicInteger(1);
        /** Chunks not finished yet. */
        final AtomicInteger unfinished;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        volatile boolean callerParked;

        Job(RangeBody body, int n, int chunks, Thread caller, long seq) {
            this.body = body;
            this.n = n;
            this.chunks = chunks;
            this.caller = caller;
            this.seq = seq;
            this.unfinished = new AtomicInteger(chunks);
        }

        int start(int chunk) {
            return (int) ((long) chunk * n / chunks);
        }

        /** Runs one chunk and counts it finished, whatever it throws. */
        void runChunk(int chunk) {
            try {
                body.run(start(chunk), start(chunk + 1));
            } catch (Throwable t) {
                fail(t);
            } finally {
                if (unfinished.decrementAndGet() == 0 && Thread.currentThread() != caller && callerParked) {
                    LockSupport.unpark(caller);
                }
            }
        }

        /** Claims and runs chunks until none is left to claim. */
        void help() {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                runChunk(c);
            }
        }

        void fail(Throwable t) {
            if (!failure.compareAndSet(null, t)) {
                Throwable first = failure.get();
                if (first != t) {
                    first.addSuppressed(t);
                }
            }
        }

        /** The caller's part: chunk 0, then whatever is unclaimed, then wait for chunks still running. */
        void runAsCaller(long spin) {
            runChunk(0);
            help();
            if (unfinished.get() == 0) {
                return;
            }
            long since = System.nanoTime();
            int round = 0;
            while (unfinished.get() != 0) {
                if (backOff(since, ++round, spin)) {
                    continue;
                }
                callerParked = true;
                if (unfinished.get() != 0) {
                    LockSupport.park(this);
                }
                callerParked = false;
            }
        }
    }

    private static final class Pool {
        final int size;
        /**
         * How long waits spin here: {@link #SPIN_NANOS}, unless the pool has more threads than there are
         * processors. Then a spinning thread would hold a processor that a thread it waits for needs, so waits
         * park almost at once.
         */
        final long spinNanos;
        final Worker[] workers;
        /** The running job, or null. */
        volatile Job job;
        /** Number of the last job; written only by the caller holding the pool. */
        private long seq;
        volatile boolean shut;
        volatile boolean shutRequested;
        /** Held by the one caller whose job is running; held for good once the pool is shut down. */
        private final AtomicBoolean busy = new AtomicBoolean();

        Pool(int size) {
            this.size = size;
            this.spinNanos = size > Runtime.getRuntime().availableProcessors() ? Math.min(SPIN_NANOS, 2_000L)
                    : SPIN_NANOS;
            this.workers = new Worker[size - 1];
            for (int i = 0; i < workers.length; i++) {
                workers[i] = new Worker(this, i + 1);
                workers[i].start();
            }
        }

        boolean tryAcquire() {
            return !busy.get() && busy.compareAndSet(false, true);
        }

        void release() {
            busy.set(false);
            if (shutRequested) {
                finishShutdown();
            }
        }

        void run(RangeBody body, int n, int chunks) {
            // The caller holds the pool, so it cannot be shut down under this job.
            Job j = new Job(body, n, chunks, Thread.currentThread(), ++seq);
            job = j;
            for (int w = 0; w < Math.min(j.chunks - 1, workers.length); w++) {
                Worker worker = workers[w];
                if (worker.parked) {
                    LockSupport.unpark(worker);
                }
            }
            j.runAsCaller(spinNanos);
            job = null;
            Throwable t = j.failure.get();
            if (t != null) {
                if (t instanceof RuntimeException re) {
                    throw re;
                }
                if (t instanceof Error e) {
                    throw e;
                }
                throw new RuntimeException(t);
            }
        }

        /**
         * Stops the workers once no job is running: either right here, or in {@link #release()} by the caller
         * whose job is running now (which may be the thread calling this, from inside a loop body).
         */
        void shutdown() {
            shutRequested = true;
            finishShutdown();
        }

        private void finishShutdown() {
            // Taking the pool for good means no new job can start on it; then the workers may go.
            if (busy.compareAndSet(false, true)) {
                shut = true;
                for (Worker w : workers) {
                    LockSupport.unpark(w);
                }
            }
        }
    }

    private static final class Worker extends Thread {
        private final Pool pool;
        private final int index;
        volatile boolean parked;

        Worker(Pool pool, int index) {
            super("backprop-worker-" + index);
            this.pool = pool;
            this.index = index;
            setDaemon(true);
        }

        @Override
        public void run() {
            long last = 0;
            while (true) {
                Job j = awaitJob(last);
                if (j == null) {
                    return; // shut down
                }
                last = j.seq;
                if (index < j.chunks) {
                    j.help();
                }
            }
        }

        /** Waits for a job newer than number {@code last}; returns null on shutdown. */
        private Job awaitJob(long last) {
            long since = System.nanoTime();
            int round = 0;
            while (true) {
                if (pool.shut) {
                    return null;
                }
                Job j = pool.job;
                if (j != null && j.seq != last) {
                    return j;
                }
                if (backOff(since, ++round, pool.spinNanos)) {
                    continue;
                }
                parked = true;
                j = pool.job;
                if (!pool.shut && (j == null || j.seq == last)) {
                    LockSupport.park(this);
                }
                parked = false;
                since = System.nanoTime();
                round = 0;
            }
        }
    }
}
