using DistillKit.Data.Synthetic;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Data;

/// <summary>
/// The kit's one batch type, from synthetic and real sources alike. Image1, Image2 [B,3,H,W] float32 RGB in [0,1];
/// optional fields (null when the source has no such ground truth): FlowFw, FlowBw [B,2,H,W] (channel 0 = u (x),
/// 1 = v (y), pixels of this resolution; forward maps p in image 1 to p + w(p) in image 2, backward maps image 2 to
/// image 1); OccFw, OccBw [B,1,H,W] (1 = occluded: the forward / backward match leaves the frame or is covered);
/// Valid [B,1,H,W] (1 = ground truth known). A stage may attach a teacher's predictions in the same conventions
/// (TeacherFlowFw/Bw, TeacherOccFw/Bw). Joint transforms (DistillKit.Transforms) take and return the whole batch,
/// moving every field together. Owns its tensors: dispose it or create it inside a dispose scope.
/// </summary>
public sealed record FlowBatch(Tensor Image1, Tensor Image2) : IDisposable
{
    public Tensor? FlowFw { get; init; }
    public Tensor? FlowBw { get; init; }
    public Tensor? OccFw { get; init; }
    public Tensor? OccBw { get; init; }
    public Tensor? Valid { get; init; }
    public Tensor? TeacherFlowFw { get; init; }
    public Tensor? TeacherFlowBw { get; init; }
    public Tensor? TeacherOccFw { get; init; }
    public Tensor? TeacherOccBw { get; init; }

    /// <summary>Number of pairs B.</summary>
    public int BatchSize => (int)Image1.size(0);
    public long Height => Image1.size(2);
    public long Width => Image1.size(3);

    /// <summary>Every present field by name (images first), for transforms, digests and disposal.</summary>
    public IEnumerable<(string name, Tensor tensor)> Fields()
    {
        yield return (nameof(Image1), Image1);
        yield return (nameof(Image2), Image2);
        foreach (var (name, t) in new[] { (nameof(FlowFw), FlowFw), (nameof(FlowBw), FlowBw), (nameof(OccFw), OccFw), (nameof(OccBw), OccBw),
                     (nameof(Valid), Valid), (nameof(TeacherFlowFw), TeacherFlowFw), (nameof(TeacherFlowBw), TeacherFlowBw),
                     (nameof(TeacherOccFw), TeacherOccFw), (nameof(TeacherOccBw), TeacherOccBw) })
            if (t is not null) yield return (name, t);
    }

    /// <summary>The field, or an error naming it and the batch's source when the batch lacks it.</summary>
    public static Tensor Require(Tensor? field, string name) =>
        field ?? throw new InvalidOperationException($"this batch has no {name} (an unlabelled source); it is needed here");

    /// <summary>
    /// A new batch with every field transformed: <paramref name="image"/> on images, <paramref name="flow"/> on flows
    /// (own and teacher's), <paramref name="mask"/> on occlusion and valid masks. Absent fields stay absent.
    /// </summary>
    public FlowBatch Map(Func<Tensor, Tensor> image, Func<Tensor, Tensor> flow, Func<Tensor, Tensor> mask) =>
        new(image(Image1), image(Image2))
        {
            FlowFw = FlowFw is null ? null : flow(FlowFw),
            FlowBw = FlowBw is null ? null : flow(FlowBw),
            OccFw = OccFw is null ? null : mask(OccFw),
            OccBw = OccBw is null ? null : mask(OccBw),
            Valid = Valid is null ? null : mask(Valid),
            TeacherFlowFw = TeacherFlowFw is null ? null : flow(TeacherFlowFw),
            TeacherFlowBw = TeacherFlowBw is null ? null : flow(TeacherFlowBw),
            TeacherOccFw = TeacherOccFw is null ? null : mask(TeacherOccFw),
            TeacherOccBw = TeacherOccBw is null ? null : mask(TeacherOccBw),
        };

    /// <summary>Concatenates managed synthetic samples (all of one size) into one batch with a single copy per field.</summary>
    public static FlowBatch Collate(IReadOnlyList<FlowSampleArrays> samples)
    {
        if (samples.Count == 0) throw new ArgumentException("FlowBatch.Collate: no samples");
        int h = samples[0].Height, w = samples[0].Width;
        if (samples.Any(s => s.Height != h || s.Width != w)) throw new ArgumentException("FlowBatch.Collate: samples differ in size");
        long b = samples.Count;
        Tensor Field(Func<FlowSampleArrays, float[]> get, long channels)
        {
            int n = (int)(channels * h * w);
            var all = new float[b * n];
            for (int k = 0; k < b; k++) Array.Copy(get(samples[k]), 0, all, (long)k * n, n);
            return torch.tensor(all, [b, channels, h, w]);
        }
        return new FlowBatch(Field(s => s.Image1, 3), Field(s => s.Image2, 3))
        {
            FlowFw = Field(s => s.FlowFw, 2), FlowBw = Field(s => s.FlowBw, 2),
            OccFw = Field(s => s.OccFw, 1), OccBw = Field(s => s.OccBw, 1), Valid = Field(s => s.Valid, 1),
        };
    }

    /// <summary>Stacks synthetic tensor samples [C,H,W] into a batch [B,C,H,W] (the samples stay owned by the caller).</summary>
    public static FlowBatch Stack(IReadOnlyList<FlowSample> samples)
    {
        if (samples.Count == 0) throw new ArgumentException("FlowBatch.Stack: no samples");
        Tensor S(Func<FlowSample, Tensor> get) => torch.stack(samples.Select(get).ToArray(), 0);
        return new FlowBatch(S(s => s.Image1), S(s => s.Image2))
        {
            FlowFw = S(s => s.FlowFw), FlowBw = S(s => s.FlowBw), OccFw = S(s => s.OccFw), OccBw = S(s => s.OccBw), Valid = S(s => s.Valid),
        };
    }

    /// <summary>
    /// A stable digest of every field's shape and values (SHA-256 of the float32 bytes, hex, first 16 digits): equal
    /// digests mean bit-identical batches, in any process.
    /// </summary>
    public string Digest()
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var (name, t) in Fields())
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"{name}[{string.Join(",", t.shape)}]"));
            using var c = t.detach().to_type(ScalarType.Float32).contiguous();
            sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(c.data<float>().ToArray().AsSpan()));
        }
        return Convert.ToHexString(sha.GetHashAndReset())[..16].ToLowerInvariant();
    }

    public void Dispose()
    {
        foreach (var (_, t) in Fields()) t.Dispose();
    }
}
