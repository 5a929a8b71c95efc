using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchSharp.Modules;

namespace DistillKit.Models.Raft;

/// <summary>
/// Motion encoder: correlation → 1×1 conv, ReLU, 3×3 conv, ReLU; flow → 7×7 conv, ReLU, 3×3 conv, ReLU; both
/// concatenated → 3×3 conv, ReLU; the output is that ‖ the flow itself.
/// </summary>
public sealed class MotionEncoder : Module<Tensor, Tensor, Tensor>
{
    public Conv2d convc1, convc2, convf1, convf2, conv;

    public MotionEncoder(int corrChannels, int[] corrWidths, int[] flowWidths, int outChannels) : base(nameof(MotionEncoder))
    {
        convc1 = nn.Conv2d(corrChannels, corrWidths[0], 1);
        convc2 = nn.Conv2d(corrWidths[0], corrWidths[1], 3, padding: 1);
        convf1 = nn.Conv2d(2, flowWidths[0], 7, padding: 3);
        convf2 = nn.Conv2d(flowWidths[0], flowWidths[1], 3, padding: 1);
        conv = nn.Conv2d(corrWidths[1] + flowWidths[1], outChannels - 2, 3, padding: 1);
        RegisterComponents();
    }

    /// <summary>Motion features [B,outChannels,H,W] from the flow [B,2,H,W] (1/8-grid pixels) and the correlation lookup.</summary>
    public override Tensor forward(Tensor flow, Tensor corr)
    {
        using var scope = torch.NewDisposeScope();
        var c = convc2.forward(convc1.forward(corr).relu()).relu();
        var f = convf2.forward(convf1.forward(flow).relu()).relu();
        var motion = conv.forward(torch.cat([c, f], 1)).relu();
        return torch.cat([motion, flow], 1).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Separable ConvGRU: a horizontal (1×5) then a vertical (5×1) GRU, each z = σ(W_z[h, x]), r = σ(W_r[h, x]),
/// q = tanh(W_q[r⊙h, x]), h ← (1 − z)⊙h + z⊙q (RAFT, section 3.3).
/// </summary>
public sealed class SepConvGru : Module<Tensor, Tensor, Tensor>
{
    public Conv2d convz1, convr1, convq1, convz2, convr2, convq2;

    public SepConvGru(int hidden, int input) : base(nameof(SepConvGru))
    {
        int c = hidden + input;
        Conv2d Horizontal() => nn.Conv2d(c, hidden, (1, 5), padding: (0, 2));
        Conv2d Vertical() => nn.Conv2d(c, hidden, (5, 1), padding: (2, 0));
        (convz1, convr1, convq1) = (Horizontal(), Horizontal(), Horizontal());
        (convz2, convr2, convq2) = (Vertical(), Vertical(), Vertical());
        RegisterComponents();
    }

    /// <summary>The next hidden state [B,hidden,H,W] from h and the input x.</summary>
    public override Tensor forward(Tensor h, Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        h = Gru(h, x, convz1, convr1, convq1);
        h = Gru(h, x, convz2, convr2, convq2);
        return h.MoveToOuterDisposeScope();
    }

    static Tensor Gru(Tensor h, Tensor x, Conv2d convz, Conv2d convr, Conv2d convq)
    {
        var hx = torch.cat([h, x], 1);
        var z = convz.forward(hx).sigmoid();
        var r = convr.forward(hx).sigmoid();
        var q = convq.forward(torch.cat([r.mul(h), x], 1)).tanh();
        return h.add(z.mul(q.sub(h)));     // (1 − z)h + zq
    }
}

/// <summary>Flow head: 3×3 conv, ReLU, 3×3 conv → the flow update [B,2,H,W] in 1/8-grid pixels.</summary>
public sealed class FlowHead : Module<Tensor, Tensor>
{
    public Conv2d conv1, conv2;

    public FlowHead(int hidden, int width) : base(nameof(FlowHead))
    {
        conv1 = nn.Conv2d(hidden, width, 3, padding: 1);
        conv2 = nn.Conv2d(width, 2, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor h)
    {
        using var scope = torch.NewDisposeScope();
        return conv2.forward(conv1.forward(h).relu()).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// RAFT's update block: motion encoder, separable ConvGRU on context ‖ motion, flow head, and the convex-upsampling
/// mask head (3×3 conv, ReLU, 1×1 conv to 9·8² channels, scaled by 0.25).
/// </summary>
public sealed class UpdateBlock : Module
{
    public MotionEncoder encoder;
    public SepConvGru gru;
    public FlowHead flow_head;
    public Sequential mask;

    public UpdateBlock(RaftConfig config) : base(nameof(UpdateBlock))
    {
        encoder = new MotionEncoder(config.CorrelationChannels, config.MotionCorrelationChannels, config.MotionFlowChannels, config.MotionChannels);
        gru = new SepConvGru(config.HiddenChannels, config.ContextChannels + config.MotionChannels);
        flow_head = new FlowHead(config.HiddenChannels, config.HeadChannels);
        mask = nn.Sequential(nn.Conv2d(config.HiddenChannels, config.HeadChannels, 3, padding: 1), nn.ReLU(),
            nn.Conv2d(config.HeadChannels, 9 * config.FeatureStride * config.FeatureStride, 1));
        RegisterComponents();
    }

    /// <summary>
    /// One refinement: (next hidden state, upsampling mask [B,576,H,W] or null when <paramref name="withMask"/> is false,
    /// flow update [B,2,H,W] in 1/8-grid pixels) from the hidden state, the context features, the correlation lookup
    /// and the current flow (1/8-grid pixels).
    /// </summary>
    public (Tensor hidden, Tensor? mask, Tensor delta) Step(Tensor hidden, Tensor context, Tensor corr, Tensor flow, bool withMask = true)
    {
        using var scope = torch.NewDisposeScope();
        var motion = encoder.forward(flow, corr);
        var next = gru.forward(hidden, torch.cat([context, motion], 1));
        var delta = flow_head.forward(next);
        var m = withMask ? mask.forward(next).mul(0.25) : null;
        scope.MoveToOuter(next, delta);
        if (m is not null) scope.MoveToOuter(m);
        return (next, m, delta);
    }
}
