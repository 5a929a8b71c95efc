namespace DistillKit.Cli.Fuzz;

/// <summary>One corrupted input and what a correct reader must do with it.</summary>
/// <param name="Path">What the reader is given: a file, or the root folder of a dataset.</param>
/// <param name="Mutation">What was done to the valid seed, for the log.</param>
/// <param name="MustFail">True when the input is certainly invalid: reading it without an error is then a defect.</param>
/// <param name="Names">Whether an error message names the input (the corrupted file, or a folder or file on its path).</param>
/// <param name="Expect">For crafted cases that prove a guard: a text every error message must contain.</param>
public sealed record FuzzCase(string Path, string Mutation, bool MustFail, Func<string, bool> Names, string? Expect = null);

/// <summary>A corruption of a seed file's bytes (see <see cref="FileTarget"/>).</summary>
public sealed record Mutated(byte[] Bytes, string What, bool MustFail = false, string? Expect = null);

/// <summary>One way of reading an input: a kit method that must consume it all.</summary>
/// <param name="Name">The kit method, for the log.</param>
/// <param name="Read">Reads the input and consumes (and disposes) everything it returns.</param>
/// <param name="Lenient">A reader that accepts some damage by design (JPEG with <c>tolerateWarnings</c>), so a clean
/// read of a <see cref="FuzzCase.MustFail"/> input is no defect for it.</param>
public sealed record ReaderCall(string Name, Action<string> Read, bool Lenient = false);

/// <summary>One reader of the kit under fuzzing: it writes valid seeds and seeded corruptions of them, and reads them.</summary>
public abstract class FuzzTarget
{
    /// <summary>The name on the command line (<c>./kit fuzz NAME</c>).</summary>
    public abstract string Name { get; }

    /// <summary>The kit methods every case goes through, each on its own.</summary>
    public abstract IReadOnlyList<ReaderCall> Readers { get; }

    /// <summary>Writes every valid seed input into the empty folder <paramref name="dir"/>; their paths.</summary>
    public abstract IReadOnlyList<string> WriteSeeds(string dir);

    /// <summary>Writes corrupted case <paramref name="index"/> into the empty folder <paramref name="dir"/>; every random choice comes from <paramref name="rng"/>.</summary>
    public abstract FuzzCase Make(string dir, int index, Random rng);
}

/// <summary>
/// A reader of single files: the cases are corruptions of a few valid seed files. The first cases are the target's
/// <see cref="Crafted"/> ones (fixed files that prove a guard), then seeded random corruptions from <see cref="Mutate"/>.
/// </summary>
public abstract class FileTarget : FuzzTarget
{
    IReadOnlyList<byte[]>? _seeds;

    /// <summary>The file extension the reader expects (with the dot).</summary>
    protected abstract string Extension { get; }

    /// <summary>Valid files of the format, as varied as the reader's paths.</summary>
    protected abstract IReadOnlyList<byte[]> BuildSeeds();

    /// <summary>A seeded corruption of <paramref name="seed"/> (a copy the mutation may change).</summary>
    protected abstract Mutated Mutate(byte[] seed, Random rng);

    /// <summary>Fixed corruptions built from the first seed, run before the random ones.</summary>
    protected virtual IReadOnlyList<Func<byte[], Mutated>> Crafted => [];

    protected IReadOnlyList<byte[]> Seeds => _seeds ??= BuildSeeds();

    public override IReadOnlyList<string> WriteSeeds(string dir) => Seeds.Select((s, i) =>
    {
        var path = System.IO.Path.Combine(dir, $"seed{i}{Extension}");
        File.WriteAllBytes(path, s);
        return path;
    }).ToList();

    public override FuzzCase Make(string dir, int index, Random rng)
    {
        var crafted = Crafted;
        var m = index < crafted.Count ? crafted[index]((byte[])Seeds[0].Clone())
            : Mutate((byte[])Seeds[rng.Next(Seeds.Count)].Clone(), rng);
        var path = System.IO.Path.Combine(dir, "case" + Extension);
        File.WriteAllBytes(path, m.Bytes);
        return new FuzzCase(path, m.What, m.MustFail, message => message.Contains(path), m.Expect);
    }
}
