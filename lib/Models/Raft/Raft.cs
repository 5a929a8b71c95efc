using DistillKit.Geometry;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchSharp.Modules;

namespace DistillKit.Models.Raft;

/// <summary>
/// RAFT (Teed &amp; Deng, ECCV 2020), MDFlow's student (METHODS.md section 2). Inputs: images [B,3,H,W] RGB in [0,1],
/// H, W multiples of <see cref="RaftConfig.FeatureStride"/> (8 in the paper) and at least <see cref="RaftConfig.MinimumSize"/>; inside, MDFlow's normalisation subtracts the
/// per-sample, per-channel mean over both images' pixels. Output: forward flow [B,2,H,W] in pixels of the input
/// (channel 0 = u, 1 = v), mapping p in image 1 to p + w(p) in image 2. Internally the flow lives on the 1/s feature grid
/// (s = FeatureStride; coords1 − coords0 in feature-grid pixels) and is convex-upsampled ×s after every refinement.
/// Batch norm (context encoder) follows PyTorch: batch statistics in train mode, running statistics in eval mode.
/// </summary>
public sealed class Raft : Module<Tensor, Tensor, Tensor>, IFlowModel, IOwnInitialisation
{
    public RaftEncoder fnet;
    public RaftEncoder cnet;
    public UpdateBlock update_block;

    public RaftConfig Config { get; }

    public string Kind => nameof(Raft);
    public int SizeMultiple => Config.SizeMultiple;
    public void SetEval() => eval();
    public Module AsModule => this;

    /// <summary>A RAFT with the config's architecture, initialised from <paramref name="seed"/> (<see cref="Initialise"/>).</summary>
    public Raft(RaftConfig config, long seed = 0) : base(nameof(Raft))
    {
        Config = config;
        config.Validate();
        if (config.CorrelationLevels < 1 || config.CorrelationRadius < 0)
            throw new ArgumentException($"RAFT needs at least one correlation level and a radius ≥ 0, got {config.CorrelationLevels} and {config.CorrelationRadius}");
        fnet = new RaftEncoder(config.EncoderChannels, config.FeatureChannels, EncoderNorm.Instance, config.FeatureStride);
        cnet = new RaftEncoder(config.EncoderChannels, config.HiddenChannels + config.ContextChannels, EncoderNorm.Batch, config.FeatureStride);
        update_block = new UpdateBlock(config);
        RegisterComponents();
        Initialise(seed);
    }

    /// <summary>
    /// Redraws the weights from a generator seeded with <paramref name="seed"/> (never the global one), as RAFT does:
    /// the encoders' convs Kaiming-normal (fan_out, ReLU gain: std √(2 / (out channels · kernel area))) with zero bias,
    /// batch-norm weights 1 and biases 0, running statistics reset; the update block PyTorch's default draws (uniform
    /// in ±1/√fan_in). Kaiming fan_out on the update block too would start the flow head at updates of ~50 px per
    /// iteration (flows of 200 px on a 64×96 input after 4 iterations).
    /// </summary>
    public void Initialise(long seed)
    {
        using var generator = new Generator(unchecked((ulong)seed));
        SeededInit.KaimingNormalFanOut(fnet, generator);
        SeededInit.KaimingNormalFanOut(cnet, generator);
        SeededInit.PyTorchDefault(update_block, generator);
    }

    /// <summary>Forward flow image1 → image2 after <see cref="RaftConfig.Iterations"/> refinements, [B,2,H,W] in input pixels.</summary>
    public override Tensor forward(Tensor image1, Tensor image2) => ForwardFlow(image1, image2);

    /// <summary>Forward flow image1 → image2 after <see cref="RaftConfig.Iterations"/> refinements, [B,2,H,W] in input pixels
    /// (only the last refinement is upsampled).</summary>
    public Tensor ForwardFlow(Tensor image1, Tensor image2) => ForwardFlow(image1, image2, Config.Iterations);

    /// <summary>Forward flow after <paramref name="iterations"/> refinements, [B,2,H,W] in input pixels.</summary>
    public Tensor ForwardFlow(Tensor image1, Tensor image2, int iterations)
    {
        using var scope = torch.NewDisposeScope();
        CheckInputs(image1, image2, iterations);
        var (n1, n2) = Normalise(image1, image2);
        long b = image1.size(0);
        var features = fnet.forward(torch.cat([n1, n2], 0));
        var (hidden, context) = Context(n1);
        return Refine(features.narrow(0, 0, b), features.narrow(0, b, b), hidden, context, iterations, null, everyIteration: false)[0]
            .MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The forward flow after every refinement (for the sequence loss): <paramref name="iterations"/> tensors
    /// [B,2,H,W] in input pixels, the last the network's answer. <paramref name="initFlow"/> [B,2,H/s,W/s] (feature-grid
    /// pixels) starts the refinement elsewhere than at zero (RAFT's warm start).
    /// </summary>
    public Tensor[] ForwardSequence(Tensor image1, Tensor image2, int? iterations = null, Tensor? initFlow = null)
    {
        using var scope = torch.NewDisposeScope();
        int n = iterations ?? Config.Iterations;
        CheckInputs(image1, image2, n);
        long b = image1.size(0), gh = image1.size(2) / Config.FeatureStride, gw = image1.size(3) / Config.FeatureStride;
        if (initFlow is not null && !initFlow.shape.SequenceEqual(new[] { b, 2, gh, gw }))
            throw new ArgumentException($"RAFT's initial flow must be [B,2,H/{Config.FeatureStride},W/{Config.FeatureStride}] = [{b},2,{gh},{gw}] in feature-grid pixels, got [{string.Join(",", initFlow.shape)}]");
        var (n1, n2) = Normalise(image1, image2);
        var features = fnet.forward(torch.cat([n1, n2], 0));
        var (hidden, context) = Context(n1);
        var flows = Refine(features.narrow(0, 0, b), features.narrow(0, b, b), hidden, context, n, initFlow, everyIteration: true);
        scope.MoveToOuter(flows);
        return flows;
    }

    /// <summary>
    /// Both directions in one batched pass (each image's features and context computed once): (forward flow 1→2,
    /// backward flow 2→1), each [B,2,H,W] in input pixels. In train mode the context encoder's batch norm then sees
    /// the 2B images together, so its statistics differ from two <see cref="ForwardFlow(Tensor, Tensor)"/> calls; in
    /// eval mode the results are the same.
    /// </summary>
    public (Tensor flowFw, Tensor flowBw) ForwardBoth(Tensor image1, Tensor image2)
    {
        using var scope = torch.NewDisposeScope();
        CheckInputs(image1, image2, Config.Iterations);
        long b = image1.size(0);
        var (n1, n2) = Normalise(image1, image2);   // the joint mean is the same for (I1, I2) and (I2, I1)
        var images = torch.cat([n1, n2], 0);
        var features = fnet.forward(images);
        var swapped = torch.cat([features.narrow(0, b, b), features.narrow(0, 0, b)], 0);
        var (hidden, context) = Context(images);
        var flow = Refine(features, swapped, hidden, context, Config.Iterations, null, everyIteration: false)[0];
        var fw = flow.narrow(0, 0, b);
        var bw = flow.narrow(0, b, b);
        scope.MoveToOuter(fw, bw);
        return (fw, bw);
    }

    /// <summary>MDFlow's input normalisation: both images minus their joint per-sample, per-channel mean.</summary>
    static (Tensor, Tensor) Normalise(Tensor image1, Tensor image2)
    {
        var mean = image1.mean([2, 3], keepdim: true).add(image2.mean([2, 3], keepdim: true)).mul(0.5);
        return (image1.sub(mean), image2.sub(mean));
    }

    /// <summary>The context encoder's output split: hidden state tanh(first part), context features ReLU(the rest).</summary>
    (Tensor hidden, Tensor context) Context(Tensor image)
    {
        var c = cnet.forward(image);
        return (c.narrow(1, 0, Config.HiddenChannels).tanh(), c.narrow(1, Config.HiddenChannels, Config.ContextChannels).relu());
    }

    /// <summary>
    /// The iterative refinement on features f1, f2 [B,C,h,w] (1/s grid): upsampled flows of every iteration, or of the
    /// last one only. Each iteration runs in its own dispose scope and keeps only the hidden state, the coordinates and
    /// its upsampled flow; the coordinates are detached at the start of every iteration (RAFT, section 3.4).
    /// </summary>
    Tensor[] Refine(Tensor f1, Tensor f2, Tensor hidden, Tensor context, int iterations, Tensor? initFlow, bool everyIteration)
    {
        var pyramid = CorrelationPyramid.Build(f1, f2, Config.CorrelationLevels);
        var coords0 = PixelGrid.Coordinates(f1.size(2), f1.size(3), f1.device, f1.dtype);       // [1,2,h,w]
        var coords1 = coords0.expand(f1.size(0), -1, -1, -1).clone();
        if (initFlow is not null) coords1 = coords1.add(initFlow);
        var flows = new List<Tensor>();
        for (int it = 0; it < iterations; it++)
        {
            bool upsample = everyIteration || it == iterations - 1;
            Tensor nextHidden, nextCoords;
            using (var step = torch.NewDisposeScope())
            {
                var coords = coords1.detach();
                var corr = CorrelationPyramid.Lookup(pyramid, coords, Config.CorrelationRadius);
                var (h, mask, delta) = update_block.Step(hidden, context, corr, coords.sub(coords0), withMask: upsample);
                nextHidden = h;
                nextCoords = coords.add(delta);
                step.MoveToOuter(nextHidden, nextCoords);
                if (upsample) flows.Add(ConvexUpsampling.Upsample(nextCoords.sub(coords0), mask!, Config.FeatureStride).MoveToOuterDisposeScope());
            }
            // the previous state's handles are no longer needed (autograd keeps what it uses)
            if (it > 0) { hidden.Dispose(); coords1.Dispose(); }
            (hidden, coords1) = (nextHidden, nextCoords);
        }
        return flows.ToArray();
    }

    void CheckInputs(Tensor image1, Tensor image2, int iterations)
    {
        var s = image1.shape;
        if (s.Length != 4 || s[1] != 3 || !s.SequenceEqual(image2.shape))
            throw new ArgumentException($"Raft expects two [B,3,H,W] images of one shape, got [{string.Join(",", s)}] and [{string.Join(",", image2.shape)}]");
        int m = Config.SizeMultiple, min = Config.MinimumSize;
        if (s[2] % m != 0 || s[3] % m != 0)
            throw new ArgumentException($"Raft input {s[2]}×{s[3]} must be a multiple of {m} (pad it: FlowInference pads and crops back)");
        if (s[2] < min || s[3] < min)
            throw new ArgumentException($"Raft input {s[2]}×{s[3]} is too small: {Config.CorrelationLevels} correlation levels halve the 1/{Config.FeatureStride} grid " +
                                        $"{Config.CorrelationLevels - 1} times, so height and width must be at least {min} (pad or resize: FlowInference.Predict)");
        if (iterations < 1) throw new ArgumentException($"Raft needs at least one iteration, got {iterations}");
    }
}
