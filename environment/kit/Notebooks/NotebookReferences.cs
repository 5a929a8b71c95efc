using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Scripting;

namespace DistillKit.Cli.Notebooks;

/// <summary>
/// Resolves <c>#r "path"</c> against the notebook's folder (as VS Code does, whose kernel runs there) and
/// remembers each referenced DLL's folder, so that the runtime can load what it depends on from there too.
/// A DLL whose name the host process already has (the runner's own Lib.dll) is swapped for the host's copy:
/// the runtime would bind to that one anyway, so compiling against another build would only fail later with
/// missing types or members. Each swap of a different build is reported in <see cref="Notices"/>.
/// </summary>
sealed class NotebookReferenceResolver(string notebookDirectory) : MetadataReferenceResolver
{
    readonly ScriptMetadataResolver inner = ScriptMetadataResolver.Default.WithBaseDirectory(notebookDirectory);
    readonly HashSet<string> reported = [];

    /// <summary>Messages about swapped references, taken (and cleared) by the session after each compile.</summary>
    public ConcurrentQueue<string> Notices { get; } = new();

    public override ImmutableArray<PortableExecutableReference> ResolveReference(string reference, string? baseFilePath, MetadataReferenceProperties properties)
    {
        var resolved = inner.ResolveReference(reference, baseFilePath, properties);
        if (resolved.IsEmpty && reference.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            && HostAssembly(Path.GetFileNameWithoutExtension(reference)) is { } hostCopy)
        {
            // The notebook's copy is not built (yet): the runner's own build of that library serves.
            if (reported.Add(reference))
                Notices.Enqueue($"note: #r \"{reference}\" was not found next to the notebook; the runner's own {Path.GetFileName(hostCopy)} is used.");
            return [MetadataReference.CreateFromFile(hostCopy, properties)];
        }
        var result = ImmutableArray.CreateBuilder<PortableExecutableReference>(resolved.Length);
        foreach (var r in resolved)
        {
            if (r.FilePath is not { } path) { result.Add(r); continue; }
            AssemblyProbe.AddFolder(Path.GetDirectoryName(path)!);
            var host = HostAssembly(Path.GetFileNameWithoutExtension(path));
            if (host is null || Path.GetFullPath(host) == Path.GetFullPath(path)) { result.Add(r); continue; }
            if (Mvid(host) != Mvid(path) && reported.Add(path))
                Notices.Enqueue($"note: #r \"{reference}\" is a different build of {Path.GetFileName(path)} than the runner's own ({host}); the runner's is used.");
            result.Add(MetadataReference.CreateFromFile(host, properties));
        }
        return result.ToImmutable();
    }

    /// <summary>The path of an assembly of that simple name the host already has (trusted platform list or loaded), else null.</summary>
    static string? HostAssembly(string simpleName)
    {
        var tpa = (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "").Split(Path.PathSeparator);
        return tpa.FirstOrDefault(p => string.Equals(Path.GetFileNameWithoutExtension(p), simpleName, StringComparison.OrdinalIgnoreCase))
            ?? AssemblyLoadContext.Default.Assemblies
                .FirstOrDefault(a => !a.IsDynamic && a.Location.Length > 0 && string.Equals(a.GetName().Name, simpleName, StringComparison.OrdinalIgnoreCase))?.Location;
    }

    static Guid Mvid(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        var md = pe.GetMetadataReader();
        return md.GetGuid(md.GetModuleDefinition().Mvid);
    }

    public override bool ResolveMissingAssemblies => inner.ResolveMissingAssemblies;

    public override PortableExecutableReference? ResolveMissingAssembly(MetadataReference definition, AssemblyIdentity referenceIdentity) =>
        inner.ResolveMissingAssembly(definition, referenceIdentity);

    public override bool Equals(object? other) => other is NotebookReferenceResolver r && r.inner.Equals(inner);
    public override int GetHashCode() => inner.GetHashCode();
}

/// <summary>
/// Process-wide probing of the folders of <c>#r</c>-referenced DLLs: managed assemblies the default load context
/// cannot find, and native libraries their P/Invokes ask for, are looked up there.
/// </summary>
static class AssemblyProbe
{
    static readonly ConcurrentDictionary<string, byte> Folders = new();
    static int installed;

    /// <summary>Adds a folder to probe, installing the resolving handlers on first use.</summary>
    public static void AddFolder(string folder)
    {
        Folders.TryAdd(Path.GetFullPath(folder), 0);
        if (Interlocked.Exchange(ref installed, 1) == 0)
        {
            AssemblyLoadContext.Default.Resolving += ResolveManaged;
            AssemblyLoadContext.Default.ResolvingUnmanagedDll += ResolveNative;
        }
    }

    static Assembly? ResolveManaged(AssemblyLoadContext context, AssemblyName name)
    {
        foreach (var folder in Folders.Keys)
        {
            var candidate = Path.Combine(folder, name.Name + ".dll");
            if (File.Exists(candidate)) return context.LoadFromAssemblyPath(candidate);
        }
        return null;
    }

    static IntPtr ResolveNative(Assembly assembly, string name)
    {
        var prefix = name.StartsWith("lib", StringComparison.Ordinal) ? "" : "lib";
        foreach (var folder in Folders.Keys)
            foreach (var file in new[] { name, $"{name}.so", $"{prefix}{name}.so", $"{name}.dll", $"{prefix}{name}.dylib" })
            {
                var candidate = Path.Combine(folder, file);
                if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle)) return handle;
            }
        return IntPtr.Zero;
    }
}
