"""Scenario files, read and validated: the bottom layer.

Everything an analyst writes by hand enters here and nowhere else: safe YAML
reading that remembers where each key was written (`yamlfile`), `extends` and
`--set` (`loader`), the format as pydantic models (`schema`), numbers and
distributions with their theory (`distributions`, `params`), dates (`dates`),
the facts file (`facts`) and the historical record (`history`). Every problem
becomes a located `sim.errors.Problem`. Nothing here runs the model.
"""
