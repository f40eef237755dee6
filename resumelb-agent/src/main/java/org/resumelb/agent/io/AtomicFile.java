package org.resumelb.agent.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Replaces a file's content so that a crash leaves either the old or the new
 * file, never a torn one: the content goes to a temporary file in the same
 * directory ({@code .<name>.<random>.tmp}), is forced to disk, and is renamed
 * over the file (atomically where the file system can; a plain replace
 * otherwise). On request the previous file is first copied to
 * {@link #backup(Path) <file>.bak}. A failed write deletes its temporary file
 * and leaves the file as it was.
 *
 * <p>Stateless; callers serialize their own writes to one file.
 */
public final class AtomicFile {

    private AtomicFile() {
    }

    /**
     * Writes {@code content} to {@code file}, creating its directories.
     *
     * @param keepBackup whether to copy the previous file, if any, to {@link #backup(Path)} before replacing it
     */
    public static void write(Path file, byte[] content, boolean keepBackup) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    ch.write(buffer);
                }
                ch.force(true);
            }
            if (keepBackup && Files.exists(target)) {
                Files.copy(target, backup(target), StandardCopyOption.REPLACE_EXISTING);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The backup of {@code file}: {@code <file>.bak} in the same directory. */
    public static Path backup(Path file) {
        return file.resolveSibling(file.getFileName() + ".bak");
    }
}
