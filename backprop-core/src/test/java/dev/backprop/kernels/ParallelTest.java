package dev.backprop.kernels;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Parallel#forRange}: coverage, chunking rules, nesting, exceptions, resizing. Nothing here asserts on
 * time; a deadlock is caught by the build's fork timeout (surefire's forkedProcessTimeoutInSeconds in the POM).
 */
class ParallelTest {

    private final int savedThreads = Parallel.threads();

    @AfterEach
    void restore() {
        Parallel.setThreads(savedThreads);
    }

    /** A chunk as seen by the body. */
    private record Chunk(int start, int end, Thread thread) {
    }

    private static List<Chunk> run(int n, int grain) {
        AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
        ConcurrentLinkedQueue<Chunk> chunks = new ConcurrentLinkedQueue<>();
        Parallel.forRange(n, grain, (s, e) -> {
            chunks.add(new Chunk(s, e, Thread.currentThread()));
            for (int i = s; i < e; i++) {
                hits.incrementAndGet(i);
            }
        });
        for (int i = 0; i < n; i++) {
            assertEquals(1, hits.get(i), "index " + i + " of " + n + " (grain " + grain + ")");
        }
        List<Chunk> list = new ArrayList<>(chunks);
        list.sort((x, y) -> Integer.compare(x.start, y.start));
        return list;
    }

    /** forChunks: more pieces than threads, each index once, the pieces fixed by n and the count alone. */
    @Test
    void forChunksCoversEveryIndexOnceInFixedPieces() {
        for (int threads : new int[] {1, 2, 3, 5}) {
            Parallel.setThreads(threads);
            for (int n : new int[] {0, 1, 2, 3, 7, 16, 128, 1001}) {
                for (int pieces : new int[] {0, 1, 2, 3, 8, 16, 2000}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(n, 1));
                    ConcurrentLinkedQueue<Chunk> chunks = new ConcurrentLinkedQueue<>();
                    Parallel.forChunks(n, pieces, (s, e) -> {
                        chunks.add(new Chunk(s, e, Thread.currentThread()));
                        for (int i = s; i < e; i++) hits.incrementAndGet(i);
                    });
                    String what = "n=" + n + " pieces=" + pieces + " threads=" + threads;
                    for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), what + " index " + i);
                    List<Chunk> list = new ArrayList<>(chunks);
                    list.sort((x, y) -> Integer.compare(x.start, y.start));
                    int c = Math.min(n, pieces);
                    if (n == 0) {
                        assertTrue(list.isEmpty(), what);
                    } else if (c <= 1 || threads == 1) {
                        assertEquals(1, list.size(), what);
                    } else {
                        assertEquals(c, list.size(), what);
                        for (int k = 0; k < c; k++) {
                            assertEquals((int) ((long) k * n / c), list.get(k).start, what);
                            assertEquals((int) ((long) (k + 1) * n / c), list.get(k).end, what);
                        }
                    }
                }
            }
        }
        Parallel.setThreads(2);
        RuntimeException boom = new RuntimeException("boom");
        assertSame(boom, assertThrows(RuntimeException.class, () -> Parallel.forChunks(64, 16, (s, e) -> {
            if (s == 40) throw boom;
        })));
    }

    @Test
    void everyIndexExactlyOnceInContiguousChunks() {
        int[] ns = {1, 2, 3, 4, 5, 7, 8, 10, 31, 100, 1000, 4099};
        int[] grains = {0, 1, 2, 3, 7, 64, 1000, 5000};
        for (int threads : new int[] {1, 2, 3, 4, 7}) {
            Parallel.setThreads(threads);
            assertEquals(threads, Parallel.threads());
            for (int n : ns) {
                for (int grain : grains) {
                    List<Chunk> chunks = run(n, grain);
                    int g = Math.max(grain, 1);
                    String what = "n=" + n + " grain=" + grain + " threads=" + threads + " " + chunks;
                    assertTrue(chunks.size() <= threads, what);
                    if (n <= g) {
                        assertEquals(List.of(new Chunk(0, n, Thread.currentThread())), chunks, what);
                    }
                    int expectedStart = 0;
                    for (Chunk c : chunks) {
                        assertEquals(expectedStart, c.start, what);
                        assertTrue(c.end - c.start >= Math.min(g, n), what);
                        expectedStart = c.end;
                    }
                    assertEquals(n, expectedStart, what);
                    // The calling thread always runs the first chunk itself.
                    assertSame(Thread.currentThread(), chunks.get(0).thread, what);
                }
            }
        }
    }

    @Test
    void usesSeveralThreadsWhenThereIsEnoughWork() throws InterruptedException {
        Parallel.setThreads(3);
        // Every chunk waits until all three have started, so no thread can run two of them: the split must
        // really go to three threads. (The wait is bounded only so that a broken pool fails instead of hanging.)
        CountDownLatch started = new CountDownLatch(3);
        ConcurrentLinkedQueue<Chunk> chunks = new ConcurrentLinkedQueue<>();
        Parallel.forRange(300, 1, (s, e) -> {
            chunks.add(new Chunk(s, e, Thread.currentThread()));
            started.countDown();
            try {
                started.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        });
        List<Chunk> list = new ArrayList<>(chunks);
        list.sort((x, y) -> Integer.compare(x.start, y.start));
        assertEquals(List.of(0, 100, 200), list.stream().map(Chunk::start).toList());
        assertEquals(3, list.stream().map(Chunk::thread).distinct().count());
        assertSame(Thread.currentThread(), list.get(0).thread, "the caller runs the first chunk");
        assertTrue(list.stream().filter(c -> c.thread != Thread.currentThread())
                .allMatch(c -> c.thread.isDaemon()), "workers must be daemon threads");
    }

    @Test
    void zeroAndNegativeSizes() {
        AtomicInteger calls = new AtomicInteger();
        Parallel.forRange(0, 1, (s, e) -> calls.incrementAndGet());
        assertEquals(0, calls.get());
        assertThrows(IllegalArgumentException.class, () -> Parallel.forRange(-1, 1, (s, e) -> { }));
        assertThrows(NullPointerException.class, () -> Parallel.forRange(10, 1, null));
    }

    @Test
    void nestedCallsRunSeriallyOnTheirOwnThread() {
        for (int threads : new int[] {2, 3, 4}) {
            Parallel.setThreads(threads);
            int outerN = 8;
            AtomicIntegerArray inner = new AtomicIntegerArray(outerN * 1000);
            ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
            Parallel.forRange(outerN, 1, (s, e) -> {
                Thread outerThread = Thread.currentThread();
                for (int o = s; o < e; o++) {
                    int base = o * 1000;
                    AtomicInteger calls = new AtomicInteger();
                    Parallel.forRange(1000, 1, (is, ie) -> {
                        calls.incrementAndGet();
                        if (Thread.currentThread() != outerThread) {
                            problems.add("inner chunk ran on another thread");
                        }
                        if (is != 0 || ie != 1000) {
                            problems.add("inner call was split: [" + is + ", " + ie + ")");
                        }
                        // One more level down, still serial.
                        Parallel.forRange(ie - is, 1, (js, je) -> {
                            for (int i = js; i < je; i++) {
                                inner.incrementAndGet(base + is + i);
                            }
                        });
                    });
                    if (calls.get() != 1) {
                        problems.add("inner body ran " + calls.get() + " times");
                    }
                }
            });
            assertEquals(List.of(), new ArrayList<>(problems));
            for (int i = 0; i < inner.length(); i++) {
                assertEquals(1, inner.get(i));
            }
            // The pool is free again afterwards.
            assertEquals(threads, run(1000, 1).size());
        }
    }

    @Test
    void exceptionsPropagateToTheCaller() {
        Parallel.setThreads(4);
        // Thrown in a chunk other than the caller's first one (usually run by a worker).
        IllegalStateException fromLater = new IllegalStateException("later chunk");
        IllegalStateException got = assertThrows(IllegalStateException.class,
                () -> Parallel.forRange(400, 1, (s, e) -> {
                    if (s == 200) {
                        throw fromLater;
                    }
                }));
        assertSame(fromLater, got);
        // Thrown in the caller's own chunk, while workers finish theirs.
        AtomicIntegerArray hits = new AtomicIntegerArray(400);
        IllegalArgumentException fromCaller = new IllegalArgumentException("caller");
        assertSame(fromCaller, assertThrows(IllegalArgumentException.class,
                () -> Parallel.forRange(400, 1, (s, e) -> {
                    for (int i = s; i < e; i++) {
                        hits.incrementAndGet(i);
                    }
                    if (s == 0) {
                        throw fromCaller;
                    }
                })));
        for (int i = 0; i < 400; i++) {
            assertEquals(1, hits.get(i), "other chunks still ran to completion");
        }
        // Errors too; every chunk throws, the rest arrive as suppressed exceptions.
        AssertionError e = assertThrows(AssertionError.class,
                () -> Parallel.forRange(400, 1, (s, end) -> {
                    throw new AssertionError("chunk " + s);
                }));
        assertEquals(3, e.getSuppressed().length);
        // Inline runs throw directly.
        assertThrows(UnsupportedOperationException.class,
                () -> Parallel.forRange(5, 10, (s, end) -> {
                    throw new UnsupportedOperationException();
                }));
        // The pool still works.
        assertEquals(4, run(400, 1).size());
    }

    @Test
    void oneThreadRunsEverythingInline() {
        Parallel.setThreads(1);
        assertEquals(1, Parallel.threads());
        List<Chunk> chunks = run(100_000, 1);
        assertEquals(List.of(new Chunk(0, 100_000, Thread.currentThread())), chunks);
        assertThrows(IllegalArgumentException.class, () -> Parallel.setThreads(0));
        assertEquals(1, Parallel.threads());
    }

    @Test
    void resizingFromInsideALoopBodyDoesNotDeadlock() {
        Parallel.setThreads(2);
        AtomicIntegerArray hits = new AtomicIntegerArray(100);
        Parallel.forRange(100, 1, (s, e) -> {
            if (s == 0) {
                Parallel.setThreads(3);
            }
            for (int i = s; i < e; i++) {
                hits.incrementAndGet(i);
            }
        });
        for (int i = 0; i < 100; i++) {
            assertEquals(1, hits.get(i));
        }
        assertEquals(3, Parallel.threads());
        assertEquals(3, run(300, 1).size());
    }

    @Test
    void concurrentCallersAllComplete() throws InterruptedException {
        Parallel.setThreads(3);
        int callers = 4;
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < callers; t++) {
            int seed = t;
            Thread th = new Thread(() -> {
                try {
                    for (int rep = 0; rep < 300; rep++) {
                        int n = 1 + (rep * 37 + seed * 11) % 500;
                        AtomicIntegerArray hits = new AtomicIntegerArray(n);
                        Parallel.forRange(n, 1 + rep % 5, (s, e) -> {
                            for (int i = s; i < e; i++) {
                                hits.incrementAndGet(i);
                            }
                        });
                        for (int i = 0; i < n; i++) {
                            assertEquals(1, hits.get(i));
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void workersPickUpCallsAfterIdling() throws InterruptedException {
        // After a pause the workers have parked; a new call must wake them.
        Parallel.setThreads(2);
        for (int rep = 0; rep < 3; rep++) {
            Thread.sleep(20);
            assertEquals(2, run(1000, 1).size());
        }
    }
}
