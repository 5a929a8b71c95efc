using DistillKit.Runtime;
using DistillKit.Tests.Support;
using Xunit;

namespace DistillKit.Tests.Runtime;

/// <summary>
/// <see cref="AtomicFile"/>: a file is replaced whole or keeps its content, and its folder is flushed after the rename.
/// A power loss itself is not simulated: these tests show that the flush runs (and succeeds on the test folder's file
/// system) and that the files are complete; that the rename then survives is the kernel's promise for <c>fsync</c>.
/// </summary>
public class AtomicFileTests
{
    [Fact]
    public void AWriteReplacesTheFileWholeAndFlushesItsFolder()
    {
        using var dir = new TempFolder();
        var path = dir.File("run.json");
        File.WriteAllText(path, "old");
        AtomicFile.WriteText(path, "the run record", "{\"new\": true}");
        Assert.Equal("{\"new\": true}", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
        Assert.True(PosixFiles.SyncDirectory(dir.Path), "fsync of the folder runs on Linux");
        Assert.False(PosixFiles.SyncDirectory(dir.File("no-such-folder")));
    }

    [Fact]
    public void AWriterThatFailsLeavesThePreviousContentAndNoTemporaryFile()
    {
        using var dir = new TempFolder();
        var path = dir.File("teacher.safetensors");
        File.WriteAllText(path, "previous weights");
        var e = Assert.Throws<OutputWriteException>(() => AtomicFile.WriteVia(path, "the trained weights", tmp =>
        {
            File.WriteAllText(tmp, "half");
            throw new IOException("No space left on device : '" + tmp + "'", 28);
        }));
        Assert.StartsWith($"{path}: writing the trained weights failed: the disk is full (No space left on device)", e.Message);
        Assert.Contains("teacher.safetensors keeps its previous content", e.Message);
        Assert.Equal("previous weights", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void AFolderInThePlaceOfTheFileIsNamedAsTheCause()
    {
        using var dir = new TempFolder();
        var path = dir.File("config.json");
        Directory.CreateDirectory(path);
        var e = Assert.Throws<OutputWriteException>(() => AtomicFile.WriteText(path, "the run config", "{}"));
        Assert.StartsWith($"{path}: writing the run config failed: a folder is in the way (Is a directory)", e.Message);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }
}
