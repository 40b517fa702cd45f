package dev.backprop.io;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class JsonTest {
    @Test
    void nestingDeeperThanTheLimitIsRefusedNotAStackOverflow() {
        // 512 levels parse; one more is refused with a one-line error, as is a file nested 200,000 deep.
        Object ok = Json.parse("[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH));
        assertEquals(List.of(), unwrap(ok, Json.MAX_DEPTH - 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Json.parse("[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1)));
        assertEquals("JSON nested more than 512 levels deep (at offset 512)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\":".repeat(200_000) + "1" + "}".repeat(200_000)));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[".repeat(200_000)));
        // Depth is nesting, not the count of containers: many siblings are fine.
        String wide = "[" + String.join(",", java.util.Collections.nCopies(2000, "[[]]")) + "]";
        assertEquals(2000, ((List<?>) Json.parse(wide)).size());
    }

    private static Object unwrap(Object v, int times) {
        for (int i = 0; i < times; i++) v = ((List<?>) v).getFirst();
        return v;
    }
}
