using System.Runtime.InteropServices;

namespace DistillKit.Runtime;

/// <summary>
/// glibc allocator settings for tensor workloads. With glibc's defaults every large tensor is an mmap that is returned
/// to the kernel when freed, so each training step page-faults its activations in again (measured: a six-conv training
/// step 200–215 ms with the defaults, 111–113 ms with these). Applied in-process at library load with
/// <c>mallopt</c>; <c>DISTILLKIT_MALLOC_TUNING=0</c> switches it off. Benchmarks pass the same values to the PyTorch
/// side as <see cref="EnvironmentVariables"/>.
/// </summary>
public static class MallocTuning
{
    const int M_TRIM_THRESHOLD = -1, M_TOP_PAD = -2, M_MMAP_THRESHOLD = -3;

    /// <summary>Allocations below this many bytes come from the heap, not from a fresh mmap.</summary>
    public const int MmapThreshold = 32 * 1024 * 1024;
    /// <summary>The heap is trimmed back to the kernel only when this many bytes are free at its top.</summary>
    public const int TrimThreshold = 512 * 1024 * 1024;
    /// <summary>Extra bytes requested each time the heap grows.</summary>
    public const int TopPad = 64 * 1024 * 1024;

    /// <summary>The same settings as glibc environment variables (for a child process such as the PyTorch benchmark).</summary>
    public static IReadOnlyDictionary<string, string> EnvironmentVariables { get; } = new Dictionary<string, string>
    {
        ["MALLOC_MMAP_THRESHOLD_"] = MmapThreshold.ToString(),
        ["MALLOC_TRIM_THRESHOLD_"] = TrimThreshold.ToString(),
        ["MALLOC_TOP_PAD_"] = TopPad.ToString(),
    };

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int mallopt(int param, int value);

    /// <summary>Applies the settings; false where mallopt is not available (not glibc) or refuses one.</summary>
    public static bool Apply()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return mallopt(M_MMAP_THRESHOLD, MmapThreshold) == 1 & mallopt(M_TRIM_THRESHOLD, TrimThreshold) == 1 & mallopt(M_TOP_PAD, TopPad) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    static extern int malloc_trim(nuint pad);

    /// <summary>
    /// Hands the free memory of every glibc arena back to the system (<c>malloc_trim(0)</c>: free pages anywhere in the
    /// heaps, not only at their top, which <see cref="TrimThreshold"/> keeps) and returns the resident set in MB before
    /// and after; null where unavailable (not glibc), or when <c>DISTILLKIT_MALLOC_TUNING=0</c>. It tells freed heap that
    /// glibc keeps for reuse from live memory (<c>./kit bench memory</c>). Not worth calling during training: a step's
    /// temporaries are freed at its end and faulted in again by the next step, so the resident set returns within a few
    /// steps (measured on the smoke stage 1 at the switch to its census phase: 278.4 MB, 239.0 MB after the trim, 312.3 MB
    /// again 500 steps later, as without it).
    /// </summary>
    public static (double BeforeMb, double AfterMb)? Trim()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("DISTILLKIT_MALLOC_TUNING") == "0") return null;
        try
        {
            double before = ResidentMb();
            malloc_trim(0);
            return (before, ResidentMb());
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or IOException)
        {
            return null;
        }
    }

    /// <summary>The resident set of this process in MB (the second field of /proc/self/statm, in pages).</summary>
    public static double ResidentMb() =>
        long.Parse(File.ReadAllText("/proc/self/statm").Split(' ')[1]) * (double)Environment.SystemPageSize / 1048576.0;
}
