"""The participation playbook: one module per mechanism (`sim.playbook.base` gives their shape,
`sim.playbook.registry` lists them), composed by `sim.playbook.playbook.Playbook`."""
